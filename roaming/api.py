"""The JSON API's frame: the flask-smorest ``Api``, its security schemes, the locally served
Swagger UI. ``roaming.accounts.security.secured`` enforces and documents who may call an endpoint."""

from __future__ import annotations

import threading

from flask import Blueprint as FlaskBlueprint
from flask import Flask, send_from_directory
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema
from swagger_ui_bundle import swagger_ui_path

from roaming.schemas import ErrorSchema

SECURITY_SCHEMES = {
    "bearerToken": {"type": "http", "scheme": "bearer", "description": "An API token (roaming tokens create)"},
    "browserSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "roaming_session",
        "description": "A browser session; unsafe methods also need the X-CSRF-Token header",
    },
}
SECURITY = [{"bearerToken": []}, {"browserSession": []}]
API = "roaming.api"  # app.extensions: the app's RoamingApi
OPENAPI_CONFIG = {  # flask-smorest's configuration; fixed by the node, not settings
    "API_TITLE": "Roaming node API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
}


def patch_schema(schema_class: type[Schema]) -> Schema:
    """A partial variant under its own name, so the OpenAPI components stay distinct."""
    name = schema_class.__name__.removesuffix("Schema") + "PatchSchema"
    return type(name, (schema_class,), {})(partial=True)


_docs_assets = FlaskBlueprint("api_docs_assets", __name__)


@_docs_assets.get("/api/docs/assets/<path:filename>")
def docs_asset(filename: str):
    """Swagger UI's files, served by the node itself (no CDN)."""
    return send_from_directory(swagger_ui_path, filename, max_age=86400)


class RoamingApi(Api):
    """flask-smorest's ``Api`` whose OpenAPI document is written when first read (``api.spec``:
    the served /api/openapi.json, the docs page, code), not when a blueprint is registered.

    Documenting every view is most of what building the app costs, and every process pays it at
    start-up (each gunicorn worker, each command, each node the tests start), while only the
    document's readers need it. Routes are registered at once, as before; a blueprint's views are
    documented, in registration order, by the first read of ``spec``, once, under a lock. A
    blueprint leaves the pending list as soon as its views are documented and its tag added, so a
    read after a failure goes on from the blueprint that failed: each is documented and tagged
    once. ``register_blueprint`` does what flask-smorest 0.47's does (setup.cfg pins that minor
    version), with its documenting step deferred."""

    ERROR_SCHEMA = ErrorSchema  # one error shape in the spec: roaming.errors.error_body

    def __init__(self, app: Flask | None = None, **options):
        self._undocumented: list[tuple[ApiBlueprint, str, list | None]] = []
        self._documented = True  # False from a blueprint's registration until its views are documented
        self._documenting = threading.Lock()
        super().__init__(app, **options)

    @property
    def spec(self):
        if not self._documented:
            with self._documenting:
                self._document_views()
        return self._spec

    @spec.setter
    def spec(self, value) -> None:
        self._spec = value

    def register_blueprint(self, blp: ApiBlueprint, *, parameters=None, **options) -> None:
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))
        self._documented = False

    def _document_views(self) -> None:
        """Document the pending blueprints' views, each leaving the list once documented and
        tagged, then finish the document (holding ``_documenting``). If one raises, the
        blueprints before it stay documented and the next call starts from it."""
        if self._documented:
            return  # another thread did it meanwhile
        while self._undocumented:
            blp, name, parameters = self._undocumented[0]
            blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
            self._spec.tag({"name": name, "description": blp.description})
            del self._undocumented[0]
        _pagination_header_is_json(self._spec)
        self._documented = True


def init_app(app: Flask) -> Api:
    """The app's JSON API frame, before any package registers its endpoints (``register``)."""
    for key, value in OPENAPI_CONFIG.items():
        app.config.setdefault(key, value)
    api = RoamingApi(app)
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    app.register_blueprint(_docs_assets)
    app.extensions[API] = api
    return api


def register(app: Flask, *blueprints: ApiBlueprint) -> None:
    """Add API blueprints (flask-smorest) to ``app``'s API, documented in the OpenAPI document."""
    for blueprint in blueprints:
        app.extensions[API].register_blueprint(blueprint)


def _pagination_header_is_json(spec) -> None:
    """flask-smorest sends X-Pagination as a JSON object but documents it with a plain schema,
    which OpenAPI reads as the comma-separated "simple" style; say it is JSON (once: a second
    call changes nothing)."""
    header = spec.components.headers["PAGINATION"]
    if "schema" in header:  # not said yet (a blueprint registered after a read documents again)
        header["content"] = {"application/json": {"schema": header.pop("schema")}}
