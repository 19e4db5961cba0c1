"""The scenarios shipped with coprod: one TOML file per scenario (MODEL.md section 6).

A package, not just a folder, so that ``importlib.resources.files("coprod.scenarios")`` finds the
files from a regular install as well as from a checkout. Load them with
:func:`coprod.simulation.scenario.load_scenario`; the order they are listed in is
:data:`coprod.simulation.scenario.SHIPPED_ORDER`.
"""
