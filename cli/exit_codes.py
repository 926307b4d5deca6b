"""Exit codes of every ``bencher`` command, defined once."""

OK = 0
FAILED = 1  # the run or job failed or was canceled
USAGE = 2  # click's own code for usage errors
ALERTS = 3  # --err was given and at least one alert was raised
UNREACHABLE = 4  # the server could not be reached, or kept answering 5xx through every retry
API_ERROR = 5  # the server refused the request (4xx), e.g. a wrong token
INTERRUPTED = 130  # Ctrl-C: the command was stopped or the job canceled (the shell convention)

EXIT_CODES_HELP = """\b
Exit codes:
  0    success
  1    the run failed: the command could not start, exited non-zero, timed out or
       printed nothing the adapter could parse; or the job was canceled or not finished in
       time
  2    usage error (a wrong option or adapter name, a missing token or project)
  3    alerts were raised and --err was given
  4    the server could not be reached (or kept failing with 5xx)
  5    the server refused the request (4xx, e.g. a wrong token or project)
  130  interrupted by Ctrl-C (the command was stopped, the job canceled)
A local and a remote run exit with the same code for the same failure."""
