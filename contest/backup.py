"""Backup and restore: the database (SQLite online backup API, or pg_dump/pg_restore for
PostgreSQL) plus the uploaded files, in one .tar.gz with a manifest."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

FORMAT_VERSION = 1


class BackupError(RuntimeError):
    """A Vietnamese message for the operator."""


def _sqlite_path(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("Không sao lưu được cơ sở dữ liệu SQLite trong bộ nhớ.")
    return Path(url.database)


def _pg_env(url) -> tuple[list[str], dict]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    return args, env


def backup(database_url: str, upload_folder: str | None, out: str | Path) -> dict:
    """Write a backup archive to ``out``; return its manifest."""
    url = make_url(database_url)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    manifest = {"format": FORMAT_VERSION, "created_at": datetime.now(UTC).isoformat(), "backend": url.get_backend_name()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        if url.get_backend_name() == "sqlite":
            target = tmp_path / "database.sqlite3"
            src = sqlite3.connect(_sqlite_path(url))
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)  # consistent online copy, even while the app writes
            finally:
                dst.close()
                src.close()
            db_name = target.name
        elif url.get_backend_name() == "postgresql":
            target = tmp_path / "database.pgdump"
            args, env = _pg_env(url)
            result = subprocess.run(
                ["pg_dump", *args, "-Fc", "--no-owner", "-f", str(target), url.database],
                env=env, capture_output=True, text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump thất bại: {result.stderr.strip()}")
            db_name = target.name
        else:
            raise BackupError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu loại {url.get_backend_name()}.")
        manifest["database_file"] = db_name
        uploads = Path(upload_folder) if upload_folder else None
        manifest["uploads"] = bool(uploads and uploads.exists())
        tmp_out = out.with_suffix(out.suffix + ".part")
        with tarfile.open(tmp_out, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(target, arcname=db_name)
            if manifest["uploads"]:
                tar.add(uploads, arcname="uploads")
        os.replace(tmp_out, out)
    return manifest


def _safe_members(tar: tarfile.TarFile):
    for member in tar.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or member.issym() or member.islnk():
            raise BackupError(f"Tệp sao lưu có đường dẫn không an toàn: {member.name}")
        yield member


def restore(database_url: str, upload_folder: str | None, archive: str | Path) -> dict:
    """Replace the database (and uploads) with the archive's content."""
    archive = Path(archive)
    if not archive.exists():
        raise BackupError(f"Không tìm thấy tệp sao lưu {archive}.")
    url = make_url(database_url)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(tmp_path, members=list(_safe_members(tar)))  # noqa: S202 (members checked)
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"Tệp sao lưu hỏng hoặc không đúng định dạng: {exc}") from exc
        try:
            manifest = json.loads((tmp_path / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            raise BackupError("Tệp sao lưu thiếu manifest.json.") from exc
        source = tmp_path / manifest["database_file"]
        if manifest["backend"] != url.get_backend_name():
            raise BackupError(
                f"Bản sao lưu của {manifest['backend']} không khôi phục được vào {url.get_backend_name()}."
            )
        if url.get_backend_name() == "sqlite":
            src = sqlite3.connect(source)
            dst = sqlite3.connect(_sqlite_path(url))
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
        else:
            args, env = _pg_env(url)
            result = subprocess.run(
                ["pg_restore", *args, "--clean", "--if-exists", "--no-owner", "-d", url.database, str(source)],
                env=env, capture_output=True, text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_restore thất bại: {result.stderr.strip()}")
        if manifest.get("uploads") and upload_folder:
            target = Path(upload_folder)
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(tmp_path / "uploads", target)
    return manifest
