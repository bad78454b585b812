"""GitHub boundary of ap (docs/DESIGN.md §9).

``api`` is the small protocol the Action's handlers depend on, ``pygithub`` its
one real implementation, ``context`` reads the Action's environment and event
payload, ``outputs`` writes step outputs and escapes untrusted text. Nothing
here imports PyGithub at module level, so importing ap stays fast.
"""
