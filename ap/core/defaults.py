"""The defaults of ap.yaml that the pre-commit hook needs too: declared once, read by the
schema (:mod:`ap.core.config`) and by the hook's settings (:mod:`ap.core.settings`)."""

CONFIG_FILE = "ap.yaml"
DEFAULT_STATE_DIR = "docs"
DEFAULT_BRANCH_PREFIX = "ap/"
DEFAULT_CASE_SENSITIVE = False
