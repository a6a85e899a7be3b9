#!/usr/bin/env python3
"""Generate the test corpus for kravia-batch: tests/data/ and tests/data/valid/.

  tests/data/NN-name.{csv,xlsx}  one defect each (errors, unreadable files,
                                 warnings-only files)
  tests/data/valid/*             files that must validate cleanly (exit 0)
  tests/data/MANIFEST.tsv        file, expected_exit, row, column, defect

Most files are the small BASE invoice set below (6 invoices, 7 rows, canonical
headers, UTF-8, ',' delimiter, decimal point) with exactly one change.

Rows are numbered as a spreadsheet shows them: header = row 1, every physical
record counts (blank lines and a `sep=` line too).

expected_exit: 0 valid or warnings only, 1 the input has errors,
               3 the file cannot be read (empty, garbage, truncated, absurd
               dimension, encoding).

A file NN-name.csv with a sibling NN-name.toml is meant to be run with that
mapping file (--mapping).

Run:  python3 tests/data/make_corpus.py     (needs openpyxl, odfpy, xlwt)
Deterministic: same bytes on every run. The outputs are committed; CI never
runs this script.
"""

import copy
import csv
import importlib.util
import io
import os
import random
import re
import shutil
import zipfile
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VALID = os.path.join(HERE, "valid")

_spec = importlib.util.spec_from_file_location(
    "make_samples", os.path.join(ROOT, "samples", "make_samples.py"))
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)

# ---------------------------------------------------------------------------
# the base: 6 invoices, 7 rows (2026-11-0101 has two non-adjacent lines)
# ---------------------------------------------------------------------------

COLS = ["merchant_reference", "customer_type", "payment_product_type", "days_until_due",
        "currency", "invoice_channel", "first_name", "last_name", "business_name",
        "organization_number", "email", "phone_number", "address_line", "postal_code",
        "postal_place", "country", "customer_reference", "description", "quantity",
        "unit_price", "amount", "vat", "vat_amount", "line_id", "item_id"]
NUMERIC = {"days_until_due", "quantity", "unit_price", "amount", "vat", "vat_amount"}

NORDLYS = dict(merchant_reference="2026-11-0101", customer_type="B2B",
               payment_product_type="kravia.invoice_b2b", days_until_due="14",
               currency="NOK", invoice_channel="kravia", first_name="Ola",
               last_name="Nordmann", business_name="Nordlys Konsult AS",
               organization_number="923609016", email="ola.nordmann@nordlys.no",
               phone_number="+4791234567", address_line="Storgata 1", postal_code="0151",
               postal_place="Oslo", country="NO", customer_reference="")

SE_ORG = S.se_orgnr("556677889")
FI_ORG = S.fi_ytunnus("2345678")


def _row(inv, **line):
    r = dict.fromkeys(COLS, "")
    r.update(inv)
    r.update(line)
    return r


BASE = [
    # row 2
    _row(NORDLYS, description="Rådgivning, november", quantity="1.5", unit_price="1250.00",
         vat="25", line_id="1", item_id="RAD-TIME"),
    # row 3
    _row(dict(merchant_reference="2026-11-0102", customer_type="B2C",
              payment_product_type="kravia.invoice_b2c", days_until_due="14",
              currency="NOK", invoice_channel="kravia", first_name="Kari",
              last_name="Nordmann", email="kari.nordmann@example.no",
              phone_number="98 76 54 32", address_line="Lillegata 5", postal_code="5003",
              postal_place="Bergen", country="NO"),
         description="Månedsabonnement Premium", quantity="1", amount="299.00", vat="25",
         line_id="1", item_id="ABO-PREM"),
    # row 4: second line of 2026-11-0101, not adjacent to its first
    _row(NORDLYS, description="Reise, tog Oslo-Bergen", amount="896.00", vat="12",
         line_id="2", item_id="REISE"),
    # row 5
    _row(dict(merchant_reference="2026-11-0103", customer_type="B2B",
              payment_product_type="kravia.invoice_b2b", days_until_due="30",
              currency="SEK", invoice_channel="kravia", first_name="Anna",
              last_name="Svensson", business_name="Svensk Design AB",
              organization_number=SE_ORG, email="anna.svensson@svenskdesign.se",
              phone_number="+46701234567", address_line="Drottninggatan 10",
              postal_code="111 51", postal_place="Stockholm", country="SE"),
         description="Designlisens", quantity="1", amount="4500.00", vat="0",
         line_id="1", item_id="LIS-DES"),
    # row 6
    _row(dict(merchant_reference="2026-11-0104", customer_type="B2B",
              payment_product_type="kravia.invoice_b2b", days_until_due="30",
              currency="EUR", invoice_channel="kravia", first_name="Matti",
              last_name="Virtanen", business_name="Suomen Ohjelmisto Oy",
              organization_number=FI_ORG, email="matti.virtanen@ohjelmisto.fi",
              phone_number="+358401234567", address_line="Mannerheimintie 12",
              postal_code="00100", postal_place="Helsinki", country="FI"),
         description="Support, november", quantity="3.5", unit_price="95.00", vat="0",
         line_id="1", item_id="SUP-TIME"),
    # row 7
    _row(dict(merchant_reference="2026-11-0105", customer_type="B2B",
              payment_product_type="kravia.invoice_b2b_grouped", days_until_due="30",
              currency="NOK", invoice_channel="kravia", first_name="Tone",
              last_name="Berg", business_name="Østlandske Eiendom AS",
              organization_number="NO %s MVA" % S.no_orgnr("91344719"),
              email="faktura@ostlandske-eiendom.no", phone_number="+4722334455",
              address_line="Bragernes torg 2", postal_code="3017", postal_place="Drammen",
              country="NO", customer_reference="Avd. Drammen"),
         description="Vaktmestertjenester", quantity="1", amount="2500.00", vat="25",
         line_id="1", item_id="VAKT"),
    # row 8
    _row(dict(merchant_reference="2026-11-0106", customer_type="B2B",
              payment_product_type="kravia.invoice_b2b", days_until_due="14",
              currency="NOK", invoice_channel="kravia", first_name="Bjørn",
              last_name="Haugen", business_name="Fjellvegen Bygg AS",
              organization_number="974 760 673", email="bjorn@fjellvegen.no",
              phone_number="+4798765431", address_line="Keiser Wilhelms gate 22",
              postal_code="6003", postal_place="Ålesund", country="NO"),
         description="Prosjektledelse", quantity="2", unit_price="1250.00", vat="25",
         line_id="1", item_id="PL-TIME"),
]
# row numbers of interest in the base (header = 1)
R_NORDLYS1, R_B2C, R_NORDLYS2, R_SE, R_FI, R_GROUPED, R_NOB2B = 2, 3, 4, 5, 6, 7, 8


def base():
    return copy.deepcopy(BASE)


def to_csv(rows, cols=COLS, delimiter=",", lineterminator="\n", header=None,
           quoting=csv.QUOTE_MINIMAL):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator, quoting=quoting)
    w.writerow(header or cols)
    for r in rows:
        w.writerow([r.get(c, "") for c in cols])
    return buf.getvalue()


def comma_decimal(rows):
    """Same rows with decimal comma in numeric columns (for ';' files)."""
    out = copy.deepcopy(rows)
    for r in out:
        for c in NUMERIC:
            r[c] = r[c].replace(".", ",")
    return out


def utf8(s):
    return s.encode("utf-8")


# ---------------------------------------------------------------------------
# xlsx / xls / ods writers
# ---------------------------------------------------------------------------


def typed(rows, cols):
    """String rows -> typed rows (numbers in numeric columns)."""
    out = []
    for r in rows:
        t = []
        for c in cols:
            v = r.get(c, "")
            if v == "":
                t.append(None)
            elif c in NUMERIC:
                t.append(S.cell_number(Decimal(v)))
            else:
                t.append(v)
        out.append(t)
    return out


def write_xlsx(path, rows, cols=COLS, formulas=None):
    """formulas: {(data_row_index, col_name): (formula, cached_value)}.

    openpyxl does not write cached values for formulas; we patch them in so
    that a reader (calamine) sees the value, as it would in a file saved by
    Excel.
    """
    formulas = formulas or {}
    data = typed(rows, cols)
    cached = {}
    for (ri, c), (f, val) in formulas.items():
        ci = cols.index(c)
        data[ri][ci] = "=" + f
        cached["%s%d" % (col_letter(ci), ri + 2)] = val

    def patch(xml):
        for ref, val in cached.items():
            xml, n = re.subn(
                rb'(<c r="%s"[^>]*>)<f>(.*?)</f><v\s*/>' % ref.encode(),
                lambda m: m.group(1) + b"<f>" + m.group(2) + b"</f><v>" +
                str(val).encode() + b"</v>", xml)
            assert n == 1, ref
        return xml

    numeric_cols = {cols.index(c) for c in NUMERIC if c in cols}
    # write_xlsx from samples treats str values as text; formulas must be str too
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(cols)
    for r in data:
        ws.append(r)
    for col in numeric_cols:
        for row in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
            for cell in row:
                if isinstance(cell.value, float):
                    cell.number_format = "0.00"
    pc = cols.index("postal_code") if "postal_code" in cols else None
    if pc is not None:
        for row in ws.iter_rows(min_row=2, min_col=pc + 1, max_col=pc + 1):
            for cell in row:
                cell.number_format = "@"
    wb.properties.creator = "kravia-batch corpus"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    wb.save(path)
    S.deterministic_zip(path, {"xl/worksheets/sheet1.xml": patch} if cached else None)


def col_letter(ci):
    s = ""
    ci += 1
    while ci:
        ci, r = divmod(ci - 1, 26)
        s = chr(65 + r) + s
    return s


def month_subset_typed(n_invoices):
    """Header + typed rows of the first n invoices of the sample month."""
    invs = S.MONTH[:n_invoices]
    keys = list(S.XLSX_HEADERS)
    rows = []
    for inv, i, first in S.file_rows(invs):
        v = S.row_values(inv, i, first, "xlsx")
        r = []
        for k in keys:
            x = v[k]
            if x is None:
                r.append(None)
            elif k in S.NUMERIC:
                r.append(S.cell_number(Decimal(x)))
            else:
                r.append(str(x))
        rows.append(r)
    return list(S.XLSX_HEADERS.values()), rows, invs


def write_xls(path, header, rows):
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("November 2026")
    for ci, h in enumerate(header):
        ws.write(0, ci, h)
    for ri, r in enumerate(rows):
        for ci, x in enumerate(r):
            if x is not None:
                ws.write(ri + 1, ci, x)
    wb.save(path)


def write_ods(path, header, rows):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableRow, TableCell
    from odf.text import P
    doc = OpenDocumentSpreadsheet()
    t = Table(name="November 2026")
    for r in [header] + rows:
        tr = TableRow()
        for x in r:
            if x is None:
                tr.addElement(TableCell())
            elif isinstance(x, (int, float)):
                c = TableCell(valuetype="float", value=repr(x))
                c.addElement(P(text=repr(x)))
                tr.addElement(c)
            else:
                c = TableCell(valuetype="string")
                c.addElement(P(text=x))
                tr.addElement(c)
        t.addElement(tr)
    doc.spreadsheet.addElement(t)
    doc.save(path)
    S.deterministic_zip(path)


# ---------------------------------------------------------------------------
# the corpus
# ---------------------------------------------------------------------------

MANIFEST = []  # (file, exit, row, column, defect)


def emit(name, data, exit_code, row="-", column="-", defect=""):
    path = os.path.join(HERE, name)
    S.write(path, data)
    MANIFEST.append((name, exit_code, row, column, defect))


def emit_path(name, exit_code, row="-", column="-", defect=""):
    MANIFEST.append((name, exit_code, row, column, defect))


def mutated(row, col, value):
    rows = base()
    rows[row - 2][col] = value
    return utf8(to_csv(rows))


def one_cell(name, row, col, value, defect, exit_code=1):
    emit(name, mutated(row, col, value), exit_code, row, col, defect)


def corpus():
    # --- files that cannot be read (3) --------------------------------------
    emit("01-empty.csv", b"", 1, defect="empty file (0 bytes)")
    emit("02-header-only.csv", utf8(to_csv([])), 1, "-", "-",
         "header only, no data rows")
    rnd = random.Random(20261130)
    garbage = bytes(rnd.randrange(256) for _ in range(2048))
    garbage = garbage[:100] + b"\x00\x00\x00\x00" + garbage[100:]
    emit("03-binary-garbage.csv", garbage, 1, defect="random binary bytes with NULs")

    write_xlsx(os.path.join(VALID, "base.xlsx"), base())
    with open(os.path.join(VALID, "base.xlsx"), "rb") as f:
        xlsx = f.read()
    emit("04-truncated.xlsx", xlsx[: len(xlsx) // 2], 1,
         defect="valid xlsx cut in half")

    absurd = os.path.join(HERE, "05-absurd-dimension.xlsx")
    shutil.copy(os.path.join(VALID, "base.xlsx"), absurd)

    def dim(xml):
        xml, n = re.subn(rb'<dimension ref="[^"]*"\s*/>',
                         b'<dimension ref="A1:XFD1048576"/>', xml)
        assert n == 1
        return xml
    S.deterministic_zip(absurd, {"xl/worksheets/sheet1.xml": dim})
    emit_path("05-absurd-dimension.xlsx", 1, "-", "-",
              "declared dimension A1:XFD1048576 with 8 real rows")

    # the real threat: a (legal) cell at XFD1048576 besides the 8 real rows.
    # A dense Range for it is 17 billion cells; calamine's worksheet_range
    # aborts the process on the allocation. The tool must refuse it (exit 3)
    # without building the range, e.g. by checking the sheet's extent first.
    far = os.path.join(HERE, "51-far-cell-xfd1048576.xlsx")
    shutil.copy(os.path.join(VALID, "base.xlsx"), far)

    def far_cell(xml):
        xml, n = re.subn(rb"</sheetData>",
                         b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is>'
                         b"</c></row></sheetData>", xml)
        assert n == 1
        xml, n = re.subn(rb'<dimension ref="[^"]*"\s*/>',
                         b'<dimension ref="A1:XFD1048576"/>', xml)
        assert n == 1
        return xml
    S.deterministic_zip(far, {"xl/worksheets/sheet1.xml": far_cell})
    emit_path("51-far-cell-xfd1048576.xlsx", 1, 1048576, "-",
              "a real cell at XFD1048576: a dense range would be 17 billion cells")

    # --- structure ------------------------------------------------------------
    text = to_csv(base()).split("\n")
    text[R_NORDLYS2 - 1] += ",EXTRA"  # one field too many on row 4
    emit("06-inconsistent-field-count.csv", utf8("\n".join(text)), 1, R_NORDLYS2, "-",
         "row 4 has 26 fields, header and other rows 25")

    # ambiguous 1,234: ';' file, every other number an integer, no decimals anywhere
    rows = base()
    for r in rows:
        for c in ("quantity", "unit_price", "amount"):
            if r[c]:
                r[c] = str(int(Decimal(r[c])))
        r["description"] = r["description"].replace(",", "")
    rows[R_NORDLYS1 - 2]["quantity"] = "2"
    rows[R_FI - 2]["quantity"] = "4"
    rows[R_B2C - 2]["amount"] = "1,234"
    emit("07-ambiguous-number.csv", utf8(to_csv(rows, delimiter=";")), 1, R_B2C, "amount",
         "amount 1,234 with no other evidence of the decimal convention")

    # --- encodings (3) ----------------------------------------------------------
    rows = base()
    rows[R_NOB2B - 2]["postal_place"] = "\x00MARK\x00"
    data = utf8(to_csv(rows)).replace(b"\x00MARK\x00", "Tromsø".encode("cp1252"))
    assert "Østlandske".encode("utf-8") in data and b"Troms\xf8" in data
    emit("08-mixed-encodings.csv", data, 1, R_NOB2B, "postal_place",
         "UTF-8 elsewhere, lone Windows-1252 byte 0xF8 on this row")

    rows = base()
    rows[R_NORDLYS2 - 2]["description"] = "Reise\x00MARK\x00tog"
    data = to_csv(rows).encode("cp1252").replace(b"\x00MARK\x00", b"\x81")
    emit("09-undefined-cp1252-byte.csv", data, 1, R_NORDLYS2, "description",
         "byte 0x81 (undefined in Windows-1252) in a Windows-1252 file")

    # --- columns -------------------------------------------------------------
    hdr = ["epostadresse" if c == "email" else c for c in COLS]
    emit("10-missing-email-column.csv", utf8(to_csv(base(), header=hdr)), 1, 1,
         "epostadresse", "required column email missing; nearest header epostadresse")

    # --- one bad cell each ------------------------------------------------------
    one_cell("11-missing-merchant-reference.csv", R_B2C, "merchant_reference", "",
             "merchant_reference empty")
    one_cell("12-unknown-customer-type.csv", R_NOB2B, "customer_type", "company",
             "customer_type company")
    one_cell("13-type-product-disagree.csv", R_B2C, "payment_product_type",
             "kravia.invoice_b2b", "customer_type B2C but payment_product_type kravia.invoice_b2b")
    one_cell("14-b2b-no-business-name.csv", R_NOB2B, "business_name", "",
             "B2B invoice without business_name")
    one_cell("15-b2b-no-org-number.csv", R_NOB2B, "organization_number", "",
             "B2B invoice without organization_number")
    one_cell("16-b2c-with-org-number.csv", R_B2C, "organization_number", "923609016",
             "B2C invoice with organization_number")
    one_cell("17-bad-no-orgnr.csv", R_NOB2B, "organization_number", "974 760 674",
             "NO org number fails MOD11 check digit")
    bad_se = SE_ORG[:-1] + str((int(SE_ORG[-1]) + 1) % 10)
    assert not S.luhn_valid(bad_se)
    one_cell("18-bad-se-orgnr.csv", R_SE, "organization_number", bad_se,
             "SE org number fails Luhn check")
    bad_fi = FI_ORG[:-1] + str((int(FI_ORG[-1]) + 1) % 10)
    one_cell("19-bad-fi-ytunnus.csv", R_FI, "organization_number", bad_fi,
             "FI Y-tunnus wrong check digit")
    one_cell("20-bad-email.csv", R_B2C, "email", "kari.nordmann.example.no",
             "email without @")
    one_cell("21-bad-phone-short.csv", R_B2C, "phone_number", "12345",
             "phone number too short")
    one_cell("22-bad-phone-letters.csv", R_B2C, "phone_number", "98 76 AB CD",
             "phone number with letters")
    one_cell("23-bad-no-postcode-3-digits.csv", R_B2C, "postal_code", "500",
             "NO postcode with 3 digits")
    one_cell("24-bad-no-postcode-letters.csv", R_B2C, "postal_code", "50A3",
             "NO postcode with a letter")
    one_cell("25-bad-se-postcode.csv", R_SE, "postal_code", "1115",
             "SE postcode with 4 digits")
    rows = base()
    rows[R_B2C - 2].update(address_line="Unter den Linden 5", postal_code="10117",
                           postal_place="Berlin", country="DE", phone_number="+4930123456")
    emit("26-unsupported-country-de.csv", utf8(to_csv(rows)), 1, R_B2C, "country",
         "country DE (valid ISO code, not served by Kravia)")
    one_cell("27-invalid-country-xx.csv", R_B2C, "country", "XX",
             "country XX is not an ISO 3166 code")
    one_cell("28-days-until-due-400.csv", R_NOB2B, "days_until_due", "400",
             "days_until_due 400 (over 365)")
    one_cell("29-days-until-due-abc.csv", R_NOB2B, "days_until_due", "abc",
             "days_until_due not a number")
    one_cell("30-amount-3-decimals.csv", R_B2C, "amount", "299.999",
             "amount with 3 decimals in NOK")
    one_cell("31-negative-amount.csv", R_B2C, "amount", "-299.00", "negative amount")
    one_cell("32-zero-amount.csv", R_B2C, "amount", "0.00", "zero amount")
    one_cell("33-amount-dollar.csv", R_B2C, "amount", "$299.00",
             "currency symbol $ in amount")
    one_cell("34-amount-eur-on-nok.csv", R_B2C, "amount", "EUR 299.00",
             "EUR in amount on a NOK invoice")
    one_cell("35-vat-percent-sign.csv", R_B2C, "vat", "25 %", "VAT written 25 %")
    one_cell("36-vat-fraction.csv", R_B2C, "vat", "0.25", "VAT written as fraction 0.25")
    one_cell("37-vat-not-number.csv", R_B2C, "vat", "høy", "VAT rate not a number")
    one_cell("38-vat-amount-mismatch.csv", R_B2C, "vat_amount", "59.85",
             "vat_amount 59.85, computed 59.80 (off by 5 øre)")
    one_cell("39-conflicting-email.csv", R_NORDLYS2, "email", "post@nordlys.no",
             "email differs from row 2 of the same invoice (non-adjacent rows)")
    one_cell("40-duplicate-line-id.csv", R_NORDLYS2, "line_id", "1",
             "line_id 1 twice in invoice 2026-11-0101 (rows 2 and 4)")
    one_cell("41-empty-description.csv", R_B2C, "description", "", "description empty")
    one_cell("42-quantity-zero.csv", R_B2C, "quantity", "0", "quantity 0")
    one_cell("43-quantity-negative.csv", R_B2C, "quantity", "-1", "quantity -1")
    one_cell("44-no-amount.csv", R_B2C, "amount", "",
             "no amount, unit_price nor net_amount on the line")
    one_cell("45-unknown-currency.csv", R_NOB2B, "currency", "XYZ", "currency XYZ")
    one_cell("46-invalid-channel.csv", R_NOB2B, "invoice_channel", "email",
             "invoice_channel email")

    # --- mapping that targets an unknown canonical name ---------------------------
    ren = {"merchant_reference": "Fakt. nr", "email": "Kunde e-post",
           "amount": "Sum inkl. mva", "phone_number": "Mobilnr"}
    hdr = [ren.get(c, c) for c in COLS] + ["Intern merknad"]
    rows = base()
    for r in rows:
        r["Intern merknad"] = ""
    rows[0]["Intern merknad"] = "sjekket"
    emit("47-bad-mapping.csv", utf8(to_csv(rows, cols=COLS + ["Intern merknad"], header=hdr)),
         3, "-", "Intern merknad",
         "with 47-bad-mapping.toml: maps Intern merknad to unknown canonical name internal_note")
    toml = ['# Used with 47-bad-mapping.csv. "internal_note" is not a canonical name.',
            "[columns]"]
    toml += ['"%s" = "%s"' % (h, c) for c, h in ren.items()]
    toml += ['"Intern merknad" = "internal_note"', "", "[defaults]", 'currency = "NOK"', ""]
    S.write(os.path.join(HERE, "47-bad-mapping.toml"), utf8("\n".join(toml)))

    # --- warnings only (0) ------------------------------------------------------
    long_ref = "2026-11-0102-KARI-NORDMANN-ABONNEMENT-X"
    long_ref += "X" * (40 - len(long_ref))
    assert len(long_ref) == 40
    one_cell("48-long-merchant-reference.csv", R_B2C, "merchant_reference", long_ref,
             "warning: merchant_reference of 40 characters (over 35)", exit_code=0)

    rows = base()
    big = dict(merchant_reference="2026-11-0107", customer_type="B2C",
               payment_product_type="kravia.invoice_b2c", days_until_due="14",
               currency="NOK", invoice_channel="kravia", first_name="Siri",
               last_name="Ås", email="siri.as@example.no", phone_number="97 65 43 21",
               address_line="Sjøgata 3", postal_code="8006", postal_place="Bodø",
               country="NO")
    first_big = len(rows) + 2
    for n in range(1, 102):
        rows.append(_row(big, description="Kopi av bilag %03d" % n, quantity="1",
                         amount="10.00", vat="25", line_id=str(n), item_id="KOPI"))
    emit("49-invoice-101-lines.csv", utf8(to_csv(rows)), 0, first_big, "-",
         "warning: invoice 2026-11-0107 has 101 lines (rows %d-%d)" % (first_big, first_big + 100))

    one_cell("50-sek-for-no-customer.csv", R_NOB2B, "currency", "SEK",
             "warning: currency SEK for a customer in NO", exit_code=0)

    # --- a formula without cached value? no: cached value, and it is valid ------
    # (see valid/formula-cached.xlsx)

    # --- valid files ------------------------------------------------------------
    V = lambda name, data, what: emit("valid/" + name, data, 0, "-", "-", "valid: " + what)

    V("base.csv", utf8(to_csv(base())), "the corpus base, 6 invoices, 7 lines")
    emit_path("valid/base.xlsx", 0, "-", "-", "valid: the corpus base as xlsx, 6 invoices, 7 lines")

    V("crlf.csv", utf8(to_csv(base(), lineterminator="\r\n")), "base with CRLF line endings")
    lines = to_csv(base()).split("\n")
    mixed = "".join(l + ("\r\n" if i % 2 else "\n") for i, l in enumerate(lines[:-1]))
    V("mixed-line-endings.csv", utf8(mixed), "base with CRLF and LF mixed")

    lines = to_csv(base()).rstrip("\n").split("\n")
    lines.insert(R_B2C, "")  # blank line after row 3
    lines.insert(R_SE + 1, "," * (len(COLS) - 1))  # a line of only delimiters
    V("blank-lines.csv", utf8("\n".join(lines) + "\n\n"),
      "base with a blank line, a line of only delimiters and trailing blank lines")

    semi = to_csv(comma_decimal(base()), delimiter=";", lineterminator="\r\n")
    V("sep-line.csv", utf8("sep=;\r\n" + semi), "Excel sep=; first line, then a ';' decimal-comma file")

    V("utf8-bom.csv", b"\xef\xbb\xbf" + utf8(to_csv(base())), "UTF-8 with BOM")

    rows = base()
    rows[R_B2C - 2]["description"] = "Månedsabonnement Premium\nperiode 1.-30. november"
    rows[R_NORDLYS2 - 2]["description"] = 'Reise, tog "Bergensbanen"\r\nOslo S - Bergen'
    V("embedded-newline.csv", utf8(to_csv(rows)),
      "quoted descriptions with embedded LF / CRLF and doubled quotes")

    # ';' file whose header has more commas (inside quotes) than semicolons
    extra = ['Notat (intern, ikke send: PO, prosjekt, avdeling, kostnadssted, '
             'kontaktperson, attestert av, periode, bilagsnr, system, bruker, '
             'kommentar, ekstra, mer, felt, notat, x, y, z, æ, ø, å, slutt)',
             'Avdeling, prosjekt, kostnadssted, ansvarlig, region, team, periode']
    rows = comma_decimal(base())
    for i, r in enumerate(rows):
        r[extra[0]] = "PO 4711, prosjekt Nord" if i % 2 == 0 else ""
        r[extra[1]] = "Salg, Oslo"
    data = to_csv(rows, cols=COLS + extra, delimiter=";", quoting=csv.QUOTE_ALL)
    head = data.split("\n")[0]
    assert head.count(",") > head.count(";"), (head.count(","), head.count(";"))
    unquoted = re.sub(r'"[^"]*"', "", head)
    assert unquoted.count(",") == 0 and unquoted.count(";") == len(COLS) + 1
    V("semicolon-commas-in-quoted-header.csv", utf8(data),
      "';' delimiter, every field quoted; two unknown headers contain more commas than the header has semicolons")

    V("tab-delimited.csv", utf8(to_csv(base(), delimiter="\t")), "TAB delimiter")
    V("pipe-delimited.csv", utf8(to_csv(base(), delimiter="|")), "'|' delimiter")
    V("windows-1252-semicolon.csv",
      to_csv(comma_decimal(base()), delimiter=";", lineterminator="\r\n").encode("cp1252"),
      "Windows-1252, ';', decimal comma, CRLF")

    rows = comma_decimal(base())
    rows[R_B2C - 2]["amount"] = "kr 299,00"
    rows[R_NORDLYS2 - 2]["amount"] = "896,00 kr"
    rows[R_GROUPED - 2]["amount"] = "2 500,00 NOK"
    rows[R_NOB2B - 2]["unit_price"] = "NOK 1 250,00"
    V("kr-in-amounts.csv", utf8(to_csv(rows, delimiter=";")),
      "kr/NOK prefix and suffix on NOK amounts, ';' decimal comma")

    rows = comma_decimal(base())
    rows[R_SE - 2]["amount"] = "4\u00a0500,00"
    rows[R_GROUPED - 2]["amount"] = "2\u00a0500,00"
    rows[R_NOB2B - 2]["unit_price"] = "1\u00a0250,00"
    V("nbsp-thousands.csv", utf8(to_csv(rows, delimiter=";")),
      "no-break space thousands separators with decimal comma")

    rows = comma_decimal(base())
    rows[R_SE - 2]["amount"] = "4.500,00"
    rows[R_GROUPED - 2]["amount"] = "2.500,00"
    rows[R_NOB2B - 2]["unit_price"] = "1.250,00"
    V("dot-thousands-decimal-comma.csv", utf8(to_csv(rows, delimiter=";")),
      "'.' thousands separators with decimal comma (1.250,00)")

    rows = base()
    rows[R_SE - 2]["amount"] = "4,500.00"
    rows[R_GROUPED - 2]["amount"] = "2,500.00"
    V("comma-thousands-decimal-point.csv", utf8(to_csv(rows)),
      "',' thousands separators with decimal point (2,500.00), quoted")

    hdr = ["Merchant Reference", "CUSTOMER-TYPE", "Payment.Product.Type", " days until due ",
           "Currency", "Invoice Channel", "First-Name", "last name", "Business Name",
           "Organization Number", "E.Mail", "Phone Number", "Address Line", "Postal Code",
           "Postal Place", "COUNTRY", "Customer Reference", "Description", "Quantity",
           "Unit Price", "Amount", "VAT", "VAT Amount", "Line ID", "Item ID"]
    assert len(hdr) == len(COLS)
    V("header-variants.csv", utf8(to_csv(base(), header=hdr)),
      "headers differing in case, spaces, '-', '_' and '.'")

    rows = base()
    for r in rows:
        r["customer_type"] = {"B2B": "bedrift", "B2C": "privat"}[r["customer_type"]]
        r["payment_product_type"] = r["payment_product_type"].replace("kravia.invoice_", "")
    V("short-forms.csv", utf8(to_csv(rows)),
      "customer_type bedrift/privat and payment_product_type short forms")

    rows = base()
    for r in rows:
        r["line_id"] = ""
    rows[R_NORDLYS2 - 2].update({c: "" for c in NORDLYS if c != "merchant_reference"})
    V("inherit-and-generated-line-ids.csv", utf8(to_csv(rows)),
      "no line_id values; row 4 inherits invoice fields from row 2")

    write_xlsx(os.path.join(VALID, "formula-cached.xlsx"), base(), formulas={
        (R_B2C - 2, "amount"): ("ROUND(239.2*1.25,2)", 299),
        (R_B2C - 2, "vat_amount"): ("ROUND(U3*25/125,2)", 59.8),
    })
    emit_path("valid/formula-cached.xlsx", 0, "-", "-",
              "valid: base as xlsx, row 3 amount and vat_amount are formulas with cached values 299 and 59.8")

    header, rows, invs = month_subset_typed(6)
    nl = sum(len(i["lines"]) for i in invs)
    write_xls(os.path.join(VALID, "month-subset.xls"), header, rows)
    emit_path("valid/month-subset.xls", 0, "-", "-",
              "valid: invoices 2026-11-0001..0006 of the sample month, %d lines, .xls" % nl)
    write_ods(os.path.join(VALID, "month-subset.ods"), header, rows)
    emit_path("valid/month-subset.ods", 0, "-", "-",
              "valid: invoices 2026-11-0001..0006 of the sample month, %d lines, .ods" % nl)


def main():
    os.makedirs(VALID, exist_ok=True)
    corpus()
    names = [m[0] for m in MANIFEST]
    assert len(names) == len(set(names))
    with open(os.path.join(HERE, "MANIFEST.tsv"), "w", encoding="utf-8", newline="\n") as f:
        for m in sorted(MANIFEST):
            f.write("\t".join(str(x) for x in m) + "\n")


if __name__ == "__main__":
    main()
