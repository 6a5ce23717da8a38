"""Security headers on every answer, and the session cookie's flags (Flask-Talisman).

Content-Security-Policy: scripts only from this site or inline with the page's nonce (the LED
board's rotation, Flask-Admin's own snippets), and two handlers of Flask-Admin's by their hash;
inline styles stay allowed, as the staff pages size a few inputs with them; no frames, no
plugins, forms post to this site only.
X-Frame-Options DENY, X-Content-Type-Options nosniff, Referrer-Policy same-origin.
HTTPS is not forced unless FORCE_HTTPS is set (the bureau's intranet may terminate TLS at a
proxy); the session cookie is Secure when SESSION_COOKIE_SECURE is set, and SameSite=Lax."""
from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman

FLASK_ADMIN_HANDLERS = (
    "2rvfFrggTCtyF5WOiTri1gDS8Boibj4Njn0e+VCBmDI=",  # return false;
    "rRMdkshZyJlCmDX27XnL7g3zXaxv7ei6Sg+yt4R3svU=",  # javascript:void(0)
)
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    # 'unsafe-hashes' with these hashes only: Flask-Admin's filter menu carries
    # onclick="return false;" on links to javascript:void(0), and nothing else inline may run
    "script-src": "'self' 'unsafe-hashes' " + " ".join(f"'sha256-{h}'" for h in FLASK_ADMIN_HANDLERS),
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def init_app(app: Flask) -> Talisman:
    return Talisman(
        app,
        force_https=bool(app.config.get("FORCE_HTTPS", False)),
        strict_transport_security=bool(app.config.get("FORCE_HTTPS", False)),
        session_cookie_secure=bool(app.config.get("SESSION_COOKIE_SECURE", False)),
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE") or "Lax",
        session_cookie_http_only=True,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="same-origin",
        x_content_type_options=True,
        x_xss_protection=False,  # obsolete, and harmful in the browsers that still read it
    )
