"""The ``context`` of a run: what the CLI detects around it (keys as Bencher's CLI sends them).

The server uses it for defaults: the branch from the ref name, the hash from the branch's
commit, the testbed from the operating system.
"""

CONTEXT_REPO_NAME = "bencher.dev/v0/repo/name"
#: The repository's root commit: identifies the repository whatever its remote's name.
CONTEXT_REPO_HASH = "bencher.dev/v0/repo/hash"
CONTEXT_REF = "bencher.dev/v0/branch/ref"
CONTEXT_REF_NAME = "bencher.dev/v0/branch/ref/name"
CONTEXT_HASH = "bencher.dev/v0/branch/hash"
CONTEXT_OS = "bencher.dev/v0/testbed/os"

CONTEXT_KEYS = (
    CONTEXT_REPO_NAME,
    CONTEXT_REPO_HASH,
    CONTEXT_REF,
    CONTEXT_REF_NAME,
    CONTEXT_HASH,
    CONTEXT_OS,
)
