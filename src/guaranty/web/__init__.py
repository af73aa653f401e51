"""The web workbench (``guaranty serve``): see :func:`guaranty.web.app.create_app`."""

from guaranty.web.app import create_app

__all__ = ["create_app"]
