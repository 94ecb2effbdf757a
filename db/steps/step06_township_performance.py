"""Schema step 6: township performance: payment fields indexed, payment lines beside the journals.

Frozen: this is what step 6 did to every database that ran it. It never changes;
a change to the schema is a new step (docs/RELIABILITY.md, "Upgrade steps").
"""

DESCRIPTION = 'township performance: payment fields indexed, payment lines beside the journals'

STATEMENTS: tuple[str, ...] = (
    "CREATE INDEX tw_events_payments ON tw_events (device_id, seq, village, actor, receipt_sig, json_extract(payload, '$.payment_id'), json_extract(payload, '$.campaign_year'), json_extract(payload, '$.amount_fen'), json_extract(payload, '$.method'), json_extract(payload, '$.business_date'), json_extract(payload, '$.household.no'), json_extract(payload, '$.household.group'), json_extract(payload, '$.receipt.series'), json_extract(payload, '$.receipt.number'), json_extract(payload, '$.receipt.label')) WHERE type = 'payment.collected'",
    "CREATE INDEX tw_events_prints ON tw_events (json_extract(payload, '$.series'), json_extract(payload, '$.number'), device_id, seq) WHERE type = 'receipt.printed'",
    'CREATE TABLE tw_payment_lines (\n    device_id TEXT NOT NULL,\n    seq INTEGER NOT NULL,\n    idx INTEGER NOT NULL,\n    campaign_year INTEGER NOT NULL,\n    id_type TEXT NOT NULL,\n    id_number TEXT NOT NULL,\n    line_id TEXT,\n    payable_fen INTEGER,\n    subsidy_fen INTEGER,\n    PRIMARY KEY (device_id, seq, idx)) WITHOUT ROWID',
    'CREATE INDEX tw_payment_lines_person ON tw_payment_lines (campaign_year, id_type, id_number)',
    "CREATE TRIGGER tw_payment_lines_no_update BEFORE UPDATE ON tw_payment_lines BEGIN SELECT RAISE(ABORT, 'tw_payment_lines is append-only'); END",
    "CREATE TRIGGER tw_payment_lines_no_delete BEFORE DELETE ON tw_payment_lines BEGIN SELECT RAISE(ABORT, 'tw_payment_lines is append-only'); END",
    "CREATE TRIGGER tw_payment_lines_fill AFTER INSERT ON tw_events WHEN new.type = 'payment.collected' BEGIN INSERT INTO tw_payment_lines (campaign_year, id_type, id_number, device_id, seq, idx, line_id, payable_fen, subsidy_fen) SELECT CAST(json_extract(new.payload, '$.campaign_year') AS INTEGER), coalesce(json_extract(line.value, '$.id_type'), '01'), coalesce(json_extract(line.value, '$.id_number'), ''), new.device_id, new.seq, line.key, json_extract(line.value, '$.line_id'), json_extract(line.value, '$.payable_fen'), json_extract(line.value, '$.subsidy_fen') FROM json_each(new.payload, '$.lines') AS line; END",
    "INSERT INTO tw_payment_lines (campaign_year, id_type, id_number, device_id, seq, idx, line_id, payable_fen, subsidy_fen) SELECT CAST(json_extract(e.payload, '$.campaign_year') AS INTEGER), coalesce(json_extract(line.value, '$.id_type'), '01'), coalesce(json_extract(line.value, '$.id_number'), ''), e.device_id, e.seq, line.key, json_extract(line.value, '$.line_id'), json_extract(line.value, '$.payable_fen'), json_extract(line.value, '$.subsidy_fen') FROM tw_events AS e, json_each(e.payload, '$.lines') AS line WHERE e.type = 'payment.collected'",
)
