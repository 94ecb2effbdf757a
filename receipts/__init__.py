"""Receipt and report rendering (收据、报表): plain data in, PDF bytes out.

No Qt and no database here: ``receipts.model`` holds the documents the ledger fills,
``receipts.render`` draws them with the embedded CJK font of ``receipts.fonts``, and
``receipts.qr`` signs and checks the QR code printed on every receipt.
"""
