"""The runner's defaults for what one job or image may take; each is a ``runner up`` option.

Kept free of imports so that the CLI can show them in ``--help`` without loading the runner.
"""

# The image config is read into memory whole: capped like manifests (oci.registry).
DEFAULT_CONFIG_MAX_BYTES = 4 * 1024 * 1024
# /bencher/output of a job whose spec sets no disk size (runner.output_mount).
DEFAULT_OUTPUT_MAX_BYTES = 1 << 30
