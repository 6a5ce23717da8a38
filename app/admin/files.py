"""Evidence files in the staff pages: the file and its thumbnail, under the same read rights."""
from __future__ import annotations

from flask_admin import BaseView, expose

from ..domain.errors import NotFound
from ..files.routes import serve_file, serve_thumbnail
from .access import SecuredView


class FilesView(SecuredView, BaseView):
    def is_visible(self) -> bool:
        return False

    def _or_404(self, serve, sha256: str):
        try:
            return serve(self.actor(), sha256)
        except NotFound as exc:
            return self.render("duban/message.html", title="附件", message=exc.message), 404

    @expose("/")
    def index(self):
        return self.render("duban/message.html", title="附件", message="请从时间线打开附件。"), 404

    @expose("/<sha256>")
    def file(self, sha256: str):
        return self._or_404(serve_file, sha256)

    @expose("/<sha256>/thumbnail")
    def thumbnail(self, sha256: str):
        return self._or_404(serve_thumbnail, sha256)
