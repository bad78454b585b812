"""What people see: live progress of a run, `show` and `list` views."""
