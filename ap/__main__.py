import os
import sys

# `python -m ap` puts the working directory first on sys.path. In a repository with
# its own `click/` or `yaml/` folder that would shadow ap's dependencies; the `ap`
# package itself is already imported, so the entry can go.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from ap.launch import main

if __name__ == "__main__":
    raise SystemExit(main())
