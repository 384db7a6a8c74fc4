"""Photo and PDF checks: what a file is comes from its bytes; photos come out re-encoded,
clean and small enough; anything else is refused with a Vietnamese message."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms

from registration import uploads
from registration.uploads import UploadError, process_photo

GPS = {1: "N", 2: (21.0, 11.0, 30.0), 3: "E", 4: (106.0, 4.0, 0.0)}


def jpeg(size=(64, 48), color=(200, 30, 30), *, gps=False, orientation=None, comment=None, mode="RGB", **kw) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Máy ảnh thử"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = io.BytesIO()
    options = {"exif": exif, **kw}
    if comment:
        options["comment"] = comment
    Image.new(mode, size, color if mode == "RGB" else 0).save(out, "JPEG", **options)
    return out.getvalue()


def png(size=(64, 48), *, alpha=False, mode=None) -> bytes:
    out = io.BytesIO()
    if alpha:
        im = Image.new("RGBA", size, (0, 120, 0, 255))
        im.putpixel((0, 0), (0, 0, 0, 0))
    else:
        im = Image.new(mode or "RGB", size, (10, 20, 30) if (mode or "RGB") == "RGB" else 40000)
    im.save(out, "PNG")
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width × height pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return uploads.PNG_MAGIC + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b"")


def jpeg_declaring(width: int, height: int) -> bytes:
    data = bytearray(jpeg((16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


# ----- sniffing -----------------------------------------------------------------------

def test_sniff_reads_magic_bytes_only():
    assert uploads.sniff(jpeg()) == "jpeg"
    assert uploads.sniff(png()) == "png"
    assert uploads.sniff(b"%PDF-1.7\n...") == "pdf"
    assert uploads.sniff(b"Xin chao, day la van ban") is None
    assert uploads.sniff(b"GIF89a....") is None
    assert uploads.sniff(b"") is None


def test_pdf_needs_header_and_trailer():
    uploads.check_pdf(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    for bad in (b"%PDF-1.4\nno end", b"hello %%EOF", b"%PDF-1.4\n%%EOF" + b" " * 2000):
        with pytest.raises(UploadError) as exc:
            uploads.check_pdf(bad)
        assert exc.value.messages == ["Tệp không phải tài liệu PDF hợp lệ."]


# ----- re-encoding --------------------------------------------------------------------

def test_exif_and_gps_are_removed():
    source = jpeg(gps=True)
    assert opened(source).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test image has GPS
    photo = process_photo(source)
    for data in (photo.data, photo.thumb):
        im = opened(data)
        assert im.format == "JPEG"
        assert len(im.getexif()) == 0
        assert "exif" not in im.info
        assert b"Exif" not in data
        assert "Máy ảnh thử".encode() not in data


def test_exif_orientation_is_applied_before_it_is_dropped():
    # Orientation 6: the camera was turned; the picture must come out portrait.
    photo = process_photo(jpeg((80, 40), orientation=6))
    assert (photo.width, photo.height) == (40, 80)
    assert opened(photo.data).size == (40, 80)


def test_comments_and_appended_payloads_are_dropped():
    payload = b"<script>alert(1)</script>"
    source = jpeg(comment=payload) + b"PK\x03\x04" + payload
    photo = process_photo(source)
    assert payload not in photo.data and payload not in photo.thumb
    assert b"PK\x03\x04" not in photo.data
    assert "comment" not in opened(photo.data).info


def test_icc_profile_is_dropped_after_conversion_to_srgb():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for profile in (srgb, icc):
        photo = process_photo(jpeg(icc_profile=profile))
        assert "icc_profile" not in opened(photo.data).info


def test_long_side_is_capped_and_thumbnail_is_small():
    source = jpeg((3000, 1500))
    photo = process_photo(source)
    assert (photo.width, photo.height) == (2000, 1000)
    assert opened(photo.data).size == (2000, 1000)
    thumb = opened(photo.thumb)
    assert thumb.format == "JPEG" and thumb.size == (400, 200) == (photo.thumb_width, photo.thumb_height)
    assert len(photo.thumb) < len(photo.data)


def test_small_images_are_not_enlarged():
    photo = process_photo(jpeg((120, 90)))
    assert (photo.width, photo.height) == (120, 90)
    assert opened(photo.thumb).size == (120, 90)


def test_png_with_transparency_stays_png():
    photo = process_photo(png(alpha=True))
    assert photo.ext == "png" and photo.content_type == "image/png"
    im = opened(photo.data)
    assert im.format == "PNG" and im.mode == "RGBA"
    assert im.getpixel((0, 0))[3] == 0
    assert opened(photo.thumb).format == "JPEG"  # thumbnails are flattened on white


def test_opaque_png_becomes_jpeg():
    photo = process_photo(png())
    assert photo.ext == "jpg" and photo.content_type == "image/jpeg"
    assert opened(photo.data).format == "JPEG"


@pytest.mark.parametrize("mode", ["CMYK", "L"])
def test_other_jpeg_modes_are_accepted(mode):
    photo = process_photo(jpeg(mode=mode))
    assert opened(photo.data).mode in ("RGB", "L")


def test_sixteen_bit_grayscale_png_keeps_its_tones():
    photo = process_photo(png(mode="I;16"))
    value = opened(photo.data).getpixel((5, 5))
    assert 150 <= value <= 160  # 40000 / 65535 of full scale, not clipped to white


@pytest.mark.parametrize(
    "data",
    [
        b"day khong phai la anh",
        b"",
        b"\xff\xd8\xff\xe0" + b"\0" * 40,  # a JPEG start and nothing decodable
        jpeg()[:200],  # truncated
        uploads.PNG_MAGIC + b"\0" * 64,
        b"%PDF-1.4\n%%EOF",
        b"GIF89a" + b"\0" * 20,
    ],
)
def test_anything_else_is_not_an_image(data):
    with pytest.raises(UploadError) as exc:
        process_photo(data)
    assert exc.value.messages == ["Tệp không phải ảnh JPEG/PNG hợp lệ."]


@pytest.mark.parametrize("data", [png_declaring(100_000, 100_000), jpeg_declaring(65_000, 65_000)])
def test_decompression_bombs_are_refused(data):
    assert len(data) < 2000
    with pytest.raises(UploadError) as exc:
        process_photo(data)
    assert exc.value.messages[0].startswith("Ảnh có kích thước quá lớn")


def test_own_pixel_limit_applies_below_pillows():
    data = png_declaring(6000, 6000)  # 36 megapixels: under Pillow's limit, over ours
    assert 6000 * 6000 < Image.MAX_IMAGE_PIXELS
    with pytest.raises(UploadError) as exc:
        process_photo(data)
    assert exc.value.messages == ["Ảnh có kích thước quá lớn (6.000 × 6.000 điểm ảnh). Vui lòng thu nhỏ ảnh rồi tải lại."]


# ----- names and sizes ----------------------------------------------------------------

@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (850, "850 B"), (1024, "1 KB"), (350 * 1024, "350 KB"), (1023 * 1024, "1.023 KB"),
     (5 * 1024 * 1024, "5 MB"), (int(2.44 * 1024 * 1024), "2,4 MB"), (None, "")],
)
def test_sizes_read_the_vietnamese_way(size, text):
    assert uploads.size_vn(size) == text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("C:\\Users\\An\\Ảnh mô hình.JPG", "Ảnh mô hình.JPG"),
        ("../../etc/passwd", "passwd"),
        ("Mo\u0302 hi\u0300nh.png", "Mô hình.png"),  # NFD in, NFC out
        ("a\u200b\u202eb.jpg", "ab.jpg"),
        ("", "tệp"),
        (None, "tệp"),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),  # 255 characters at most
    ],
)
def test_display_names_are_clean(raw, shown):
    assert uploads.display_name(raw) == shown


def test_download_names_are_ascii_with_the_stored_extension():
    item = type("F", (), {"original_name": "Ảnh mô hình (1).png", "content_type": "image/jpeg"})()
    assert uploads.download_name(item) == "Anh_mo_hinh_1.jpg"
    assert uploads.download_name(item, thumb=True) == "Anh_mo_hinh_1_nho.jpg"
    pdf = type("F", (), {"original_name": "Thuyết minh giải pháp.pdf", "content_type": "application/pdf"})()
    assert uploads.download_name(pdf) == "Thuyet_minh_giai_phap.pdf"


def test_box_fits_the_long_side():
    assert uploads.box(400, 200, 240) == (240, 120)
    assert uploads.box(100, 50, 240) == (100, 50)
    assert uploads.box(None, None, 240) == (240, 240)


def test_write_atomic_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "7" / ("a" * 32 + ".jpg")
    uploads.write_atomic(target, b"abc")
    uploads.write_atomic(target, b"def")
    assert target.read_bytes() == b"def"
    assert [p.name for p in target.parent.iterdir()] == [target.name]
