"""``sim serve``: the planning workbench in the browser.

The engine calls live here in Python (:mod:`sim.serve.workbench`, on the compiled graphs
of :mod:`sim.serve.compiled`, judged by :mod:`sim.serve.verdicts`); the page in
``sim/serve/static/`` only draws what the server answers. Needs the ``serve`` extra
(starlette and uvicorn) for :mod:`sim.serve.app`.
"""
