"""What learners see: the catalogue, module overviews, lessons, knowledge checks and the glossary."""

from flask import Blueprint

bp = Blueprint("learning", __name__)

from . import progress_views, quiz_views, views  # noqa: E402,F401


@bp.app_template_filter("legend_html")
def _legend_html(prompt_html: str) -> str | None:
    from .checks import legend_html

    return legend_html(prompt_html)


@bp.app_template_global("status_tag_data")
def _status_tag_data(status: str | None) -> tuple[str, str] | None:
    from .templating import status_tag_data

    return status_tag_data(status)
