"""Sanxiang engine: pure Python on SpiffWorkflow.

No flask, no sqlalchemy, no file or network IO of its own: callers hand it
file contents and get back specs, workflows, problems and schemas.
"""
