"""Test-session set-up shared by every test directory.

Lambda hands a function its Powertools environment before the handler module is imported,
and the handler modules build their `Metrics()` at import, when collection imports them: so
the same environment is set here, before any test module is collected. Without it a worker
that imports a handler before a fixture set the namespace flushes metrics without one.
"""

from calsnack.serve.runtime import quiet_powertools

quiet_powertools()
