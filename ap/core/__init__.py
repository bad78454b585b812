"""The core every layer uses: errors and exit codes, models, ap.yaml, events, ids, text."""
