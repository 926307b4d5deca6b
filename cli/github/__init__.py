"""The GitHub Actions integration of ``bencher run``: the REST client (``api``) and the run's
check, job summary and pull-request comment (``actions``)."""
