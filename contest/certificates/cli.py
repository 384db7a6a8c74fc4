"""CLI commands for certificates (the same services as the web pages).

    flask --app wsgi issue-certificates EDITION_SLUG --out DIR [--base-url URL]
    flask --app wsgi verify-certificate FILE.json [--public-key PEM] [--revocations FILE.json]

``issue-certificates`` issues what is missing (idempotent) and writes
DIR/certificates.pdf, DIR/certificates.zip and DIR/manifest.xlsx; exit 0 on success,
1 when there is nothing to print or the edition's template is broken, 2 for an unknown
edition. ``verify-certificate`` checks a downloaded signed record (the envelope
``{"record", "signature", "key_id"}`` or the JSON of ``/api/v1/verify/<code>``) against
the public key, without the database: exit 0 valid, 1 invalid.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from contest.extensions import db
from contest.models import Edition

from . import keys, service
from .codes import format_code, parse_code
from .signing import load_public_key_pem, verify_revocation_list, verify_signed


def register(app: Flask) -> None:
    app.cli.add_command(issue_certificates_command)
    app.cli.add_command(verify_certificate_command)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB".replace(".", ",")


@click.command("issue-certificates")
@click.argument("edition_slug")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for certificates.pdf, certificates.zip and manifest.xlsx.")
@click.option("--base-url", default=None,
              help="Start of the verify URLs in the QR codes (default PUBLIC_BASE_URL or http://127.0.0.1:5000).")
@with_appcontext
def issue_certificates_command(edition_slug: str, out_dir: Path, base_url: str | None) -> None:
    """Issue an edition's certificates and write the print files (synchronously)."""
    edition = db.session.scalar(select(Edition).where(Edition.slug == edition_slug))
    if edition is None:
        click.echo(f"Lỗi: không có kỳ thi '{edition_slug}'.", err=True)
        sys.exit(2)
    base_url = base_url or current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    started = time.perf_counter()
    try:
        summary, outputs = service.generate(edition, out_dir, base_url)
    except (service.CertificateError, keys.SigningKeyError) as exc:
        db.session.rollback()
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    elapsed = time.perf_counter() - started
    click.echo(f"{edition.name}: {summary.message}")
    click.echo(f"Đã ghi {outputs.count:,} giấy chứng nhận còn hiệu lực trong {elapsed:.1f} giây:".replace(",", "."))
    click.echo(f"  {outputs.pdf}  (PDF gộp để in, {_size(outputs.pdf_bytes)})")
    click.echo(f"  {outputs.zip}  (mỗi người một tệp PDF, {_size(outputs.zip_bytes)})")
    click.echo(f"  {outputs.xlsx}  (danh sách Excel)")
    click.echo(f"Đường dẫn xác thực bắt đầu bằng {service.verify_url(base_url, '')}")


def _fail(message: str) -> None:
    click.echo(f"KHÔNG HỢP LỆ: {message}", err=True)
    sys.exit(1)


def _load_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(f"không tìm thấy tệp {path}.")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        _fail(f"tệp {path} không phải JSON hợp lệ ({exc}).")


@click.command("verify-certificate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--public-key", "public_key_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PEM file of the public key (default: this installation's signing key).")
@click.option("--revocations", "revocations_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A downloaded /.well-known/certificate-revocations.json to check the code against.")
@with_appcontext
def verify_certificate_command(file: Path, public_key_file: Path | None, revocations_file: Path | None) -> None:
    """Verify a signed certificate record offline (no database)."""
    data = _load_json(file)
    if public_key_file is not None:
        try:
            public_key = load_public_key_pem(public_key_file.read_bytes())
        except (OSError, ValueError) as exc:
            _fail(f"không đọc được khoá công khai {public_key_file} ({exc}).")
    else:
        try:
            public_key = keys.public_key(create=False)
        except keys.SigningKeyError as exc:
            _fail(str(exc))
        if public_key is None:
            _fail("hệ thống chưa có khoá ký giấy chứng nhận; hãy chỉ rõ khoá công khai bằng --public-key.")
    signed = data.get("signed") if isinstance(data, dict) and "signed" in data else data
    if not isinstance(signed, dict) or "record" not in signed or "signature" not in signed:
        _fail("tệp không chứa bản ghi giấy chứng nhận đã ký (cần các trường record và signature).")
    if not verify_signed(public_key, signed):
        _fail("chữ ký số không khớp với nội dung. Bản ghi đã bị sửa hoặc không do Ban Tổ chức ký.")
    record = signed["record"]
    if record.get("type") != service.RECORD_TYPE or parse_code(record.get("code")) is None:
        _fail("bản ghi đã ký không phải là giấy chứng nhận.")
    if revocations_file is not None:
        revocations = _load_json(revocations_file)
        if not isinstance(revocations, dict) or not verify_revocation_list(public_key, revocations):
            _fail("danh sách thu hồi không có chữ ký số hợp lệ.")
        for item in revocations["record"]["entries"]:
            if item.get("code") == record["code"]:
                _fail(f"giấy chứng nhận đã bị thu hồi ngày {item.get('revoked_on') or '?'}"
                      f" (lý do: {item.get('reason') or 'không ghi'}).")
    click.echo("HỢP LỆ: chữ ký số của Ban Tổ chức khớp với nội dung giấy chứng nhận.")
    click.echo(f"  Mã xác thực: {format_code(record['code'])}")
    click.echo(f"  Họ và tên: {record.get('name', '')}")
    if record.get("kind") != "participation":
        click.echo(f"  Giải: {record.get('prize', '')}")
    click.echo(f"  Bài/đội: {record.get('entry', '')}")
    click.echo(f"  Kỳ thi: {record.get('edition', '')}")
    click.echo(f"  Số vào sổ: {record.get('register_number', '')} · Ngày cấp: {record.get('issued_on', '')}")
    if revocations_file is None:
        click.echo("Lưu ý: kiểm tra ngoại tuyến không biết giấy đã bị thu hồi hay chưa; "
                   "dùng --revocations hoặc tra cứu trên trang xác thực.")
