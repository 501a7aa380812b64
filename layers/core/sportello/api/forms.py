"""Reading HTML form posts (urlencoded or multipart) without the deprecated cgi module."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs

from ..errors import InvalidRequestError


@dataclass
class FormData:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # (filename, content type, content)


def parse_form(content_type: str, body: bytes) -> FormData:
    if content_type.startswith("application/x-www-form-urlencoded"):
        parsed = parse_qs(body.decode(errors="replace"), keep_blank_values=True)
        return FormData({name: values[0] for name, values in parsed.items()})
    if not content_type.startswith("multipart/form-data"):
        raise InvalidRequestError("send the form as multipart/form-data or urlencoded")
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    if not message.is_multipart():
        raise InvalidRequestError("the multipart form could not be read")
    form = FormData()
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename:
            if content:
                form.files.append((filename, part.get_content_type(), content))
        else:
            form.fields[name] = content.decode(part.get_content_charset() or "utf-8", errors="replace")
    return form
