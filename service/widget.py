"""The embeddable widget: ``/widget.js`` and the ``/demo`` page (issue: widget)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("widget", __name__)
