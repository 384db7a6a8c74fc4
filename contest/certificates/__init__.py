"""Certificates: verification codes, Ed25519 signing, vector QR codes and PDF rendering.

The modules in this package are pure (no Flask, no database):

- ``codes``: unguessable verification codes (16 base32 characters, 80 bits).
- ``signing``: canonical JSON records signed with Ed25519, key helpers, revocation lists.
- ``qr``: QR matrices and drawing them as vector rectangles into an fpdf2 page.
- ``pdf``: certificate rendering (one PDF, one merged PDF, or a ZIP of PDFs).
"""
