"""S3 as the blob store for raw mail and attachments."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config


class S3BlobStore:
    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self._bucket = bucket
        self._client = client or boto3.client("s3", config=Config(retries={"mode": "standard"}))

    def put(self, key: str, content: bytes, content_type: str) -> None:
        self._client.put_object(Bucket=self._bucket, Key=key, Body=content, ContentType=content_type)

    def get(self, key: str) -> bytes:
        response = self._client.get_object(Bucket=self._bucket, Key=key)
        return bytes(response["Body"].read())

    def download_url(self, key: str, filename: str, expires_seconds: int = 300) -> str:
        safe_name = filename.replace('"', "")
        return str(
            self._client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ResponseContentDisposition": f'attachment; filename="{safe_name}"',
                },
                ExpiresIn=expires_seconds,
            )
        )
