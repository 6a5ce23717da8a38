"""The channels beside the inbox, each on when configured: e-mail over SMTP and a signed webhook."""
from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import smtplib
import ssl
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Mapping
from zoneinfo import ZoneInfo

from .preferences import Defaults, QuietHours, parse_clock


@dataclass(frozen=True)
class Message:
    id: str
    username: str
    title: str
    body: str
    link: str
    email: str | None
    phone: str | None
    items: tuple["Message", ...] = ()  # a daily digest's messages (digest.py), in order


@dataclass(frozen=True)
class NotifySettings:
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_tls: str = ""  # "", "starttls" or "ssl"
    mail_from: str = "duban@localhost"
    webhook_url: str | None = None
    webhook_secret: str = ""
    public_url: str = ""  # prefix of the links, e.g. https://duban.example.gov.cn
    max_attempts: int = 5
    backoff_seconds: float = 60.0
    max_age_hours: float = 72.0  # older messages (e.g. after a first rebuild) are not sent
    batch: int = 200
    timeout: float = 10.0
    quiet_hours: str = "22:00-07:00"  # local; "off": none (preferences.py)
    digest_time: str = "08:30"  # local: when a daily digest goes, unless the user chose a time
    tz_name: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        self.defaults()  # a wrong setting stops the start, with its reason

    def defaults(self) -> Defaults:
        return Defaults(QuietHours.parse(self.quiet_hours),
                        parse_clock(self.digest_time, "NOTIFY_DIGEST_TIME "),
                        ZoneInfo(self.tz_name))

    @classmethod
    def from_mapping(cls, c: Mapping) -> "NotifySettings":
        def get(key, default=None):
            v = c.get(key)
            return default if v in (None, "") else v

        tls = str(get("SMTP_TLS", "")).lower()
        tls = {"1": "starttls", "true": "starttls", "yes": "starttls", "starttls": "starttls",
               "ssl": "ssl", "tls": "ssl"}.get(tls, "")
        return cls(smtp_host=get("SMTP_HOST"), smtp_port=int(get("SMTP_PORT", 465 if tls == "ssl" else 25)),
                   smtp_user=get("SMTP_USER"), smtp_password=get("SMTP_PASSWORD"), smtp_tls=tls,
                   mail_from=get("MAIL_FROM", "duban@localhost"), webhook_url=get("WEBHOOK_URL"),
                   webhook_secret=get("WEBHOOK_SECRET", ""), public_url=get("PUBLIC_URL", "").rstrip("/"),
                   max_attempts=int(get("NOTIFY_MAX_ATTEMPTS", 5)),
                   backoff_seconds=float(get("NOTIFY_BACKOFF_SECONDS", 60)),
                   max_age_hours=float(get("NOTIFY_MAX_AGE_HOURS", 72)),
                   quiet_hours=str(get("NOTIFY_QUIET_HOURS", "22:00-07:00")),
                   digest_time=str(get("NOTIFY_DIGEST_TIME", "08:30")),
                   tz_name=str(get("TZ_NAME", "Asia/Shanghai")))

    def channels(self) -> list[str]:
        return [name for name, on in (("email", self.smtp_host), ("webhook", self.webhook_url)) if on]


class Skip(Exception):
    """Nothing to send on this channel to this person (no e-mail address)."""


def message_id_header(message_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9.\-_]", lambda m: f"={ord(m.group()):x}", message_id)
    return f"<{safe}@duban>"


def _text(msg: Message, s: NotifySettings) -> str:
    if not msg.items:
        return f"{msg.title}\n\n{msg.body}\n\n查看详情：{s.public_url + msg.link}\n"
    parts = [f"{msg.title}\n\n{msg.body}\n"]
    for n, m in enumerate(msg.items, 1):
        body = m.body.replace("\n", "\n   ")
        parts.append(f"{n}. {m.title}\n   {body}\n   查看详情：{s.public_url + m.link}\n")
    return "\n".join(parts)


def _html(msg: Message, s: NotifySettings) -> str:
    def one(m: Message, tag: str) -> str:
        link = html.escape(s.public_url + m.link)
        return (f"<{tag}>{html.escape(m.title)}</{tag}>"
                f"<p>{html.escape(m.body).replace(chr(10), '<br>')}</p>"
                f'<p><a href="{link}">查看详情</a></p>')

    if not msg.items:
        return one(msg, "h3")
    return (f"<h3>{html.escape(msg.title)}</h3><p>{html.escape(msg.body)}</p>"
            f"<ol>{''.join('<li>' + one(m, 'b') + '</li>' for m in msg.items)}</ol>")


def build_email(msg: Message, s: NotifySettings) -> EmailMessage:
    em = EmailMessage()
    em["Subject"] = msg.title
    em["From"] = s.mail_from
    em["To"] = msg.email
    em["Date"] = formatdate(localtime=False)
    em["Message-ID"] = message_id_header(msg.id)
    em["X-Duban-Notification-Id"] = msg.id
    em.set_content(f"{_text(msg, s)}\n（督办系统自动发送，请勿回复）\n")
    em.add_alternative(f"<html><body>{_html(msg, s)}"
                       f"<p style=\"color:#888\">督办系统自动发送，请勿回复。</p></body></html>",
                       subtype="html")
    return em


class EmailSender:
    """One SMTP connection for a batch."""

    def __init__(self, s: NotifySettings) -> None:
        self.s = s
        self.smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.s
        if s.smtp_tls == "ssl":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout)
            if s.smtp_tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password or "")
        return smtp

    def send(self, msg: Message) -> None:
        if not msg.email:
            raise Skip("未登记电子邮箱")
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            self.smtp.send_message(build_email(msg, self.s))
        except smtplib.SMTPServerDisconnected:
            self.smtp = None
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.smtp = None


def webhook_body(msg: Message, s: NotifySettings) -> bytes:
    body = {"id": msg.id, "user": msg.username, "phone": msg.phone, "title": msg.title,
            "body": _text(msg, s) if msg.items else msg.body, "link": s.public_url + msg.link}
    if msg.items:  # a digest: its messages one by one too, for a robot that lists them
        body["items"] = [{"id": m.id, "title": m.title, "body": m.body,
                          "link": s.public_url + m.link} for m in msg.items]
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookSender:
    def __init__(self, s: NotifySettings) -> None:
        self.s = s

    def send(self, msg: Message) -> None:
        body = webhook_body(msg, self.s)
        req = urllib.request.Request(self.s.webhook_url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Duban-Signature": signature(self.s.webhook_secret, body),
            "X-Duban-Notification-Id": msg.id})
        with urllib.request.urlopen(req, timeout=self.s.timeout) as resp:
            if not 200 <= resp.status < 300:
                raise OSError(f"HTTP {resp.status}")

    def close(self) -> None:
        pass
