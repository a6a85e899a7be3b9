#!/usr/bin/env python3
"""Generate the sample month (November 2026) for kravia-batch.

One Python source of truth (MONTH below) produces every file in samples/:

  november-2026-no.csv             Norwegian Excel style: ';', decimal comma,
                                   Windows-1252, CRLF, Norwegian headers
  november-2026.xlsx               same month, English headers, numbers as numbers
  november-2026-canonical.csv      same month, UTF-8, ',', decimal point,
                                   canonical header names
  november-2026-custom-headers.csv the B2B/NOK/14-day subset with odd headers,
  mapping-example.toml             ... and the mapping file that reads it
  EXPECTED.md                      counts and totals, computed here

Run:  python3 samples/make_samples.py      (needs openpyxl)
The output is deterministic (fixed zip timestamps and document properties),
so re-running it on unchanged data produces byte-identical files.

The generated files are committed; CI never runs this script.
"""

import csv
import io
import os
import re
import sys
import zipfile
from collections import OrderedDict, defaultdict
from decimal import Decimal, ROUND_HALF_UP

HERE = os.path.dirname(os.path.abspath(__file__))

D = Decimal
CENT = D("0.01")

# ---------------------------------------------------------------------------
# check digits (used to build valid identifiers and, in the corpus, broken ones)
# ---------------------------------------------------------------------------


def no_mod11_check(first8):
    """Check digit for a Norwegian organisation number, or None if impossible."""
    w = [3, 2, 7, 6, 5, 4, 3, 2]
    s = sum(int(c) * k for c, k in zip(first8, w))
    r = 11 - s % 11
    if r == 11:
        return 0
    if r == 10:
        return None
    return r


def no_orgnr(first8):
    c = no_mod11_check(first8)
    assert c is not None, first8
    return first8 + str(c)


def no_orgnr_valid(s):
    s = re.sub(r"\D", "", s)
    return len(s) == 9 and no_mod11_check(s[:8]) == int(s[8])


def luhn_check(digits_without_check):
    total = 0
    for i, c in enumerate(reversed(digits_without_check)):
        n = int(c)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return (10 - total % 10) % 10


def luhn_valid(s):
    s = re.sub(r"\D", "", s)
    return luhn_check(s[:-1]) == int(s[-1])


def se_orgnr(first9):
    """Swedish organisation number NNNNNN-NNNC (Luhn over the 10 digits)."""
    full = first9 + str(luhn_check(first9))
    return full[:6] + "-" + full[6:]


def fi_ytunnus_check(first7):
    w = [7, 9, 10, 5, 8, 4, 2]
    r = sum(int(c) * k for c, k in zip(first7, w)) % 11
    if r == 0:
        return 0
    if r == 1:
        return None
    return 11 - r


def fi_ytunnus(first7):
    c = fi_ytunnus_check(first7)
    assert c is not None, first7
    return "%s-%d" % (first7, c)


assert no_orgnr_valid("923609016") and no_orgnr_valid("974760673")
assert fi_ytunnus("0112038") == "0112038-9"  # Nokia Oyj
assert luhn_valid("5560360793")  # Saab AB

# ---------------------------------------------------------------------------
# money
# ---------------------------------------------------------------------------


def q2(x):
    """Round half away from zero to the minor unit (all amounts here are positive)."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def line_vat(amount, vat):
    return q2(amount * vat / (D(100) + vat))


def fmt_point(d):
    return "%s" % d


def fmt_comma(d, thousands=False):
    """Norwegian style: 1 250,00 (space thousands separator optional)."""
    s = "%s" % d
    if "." in s:
        ip, fp = s.split(".")
    else:
        ip, fp = s, None
    if thousands and len(ip) > 3:
        groups = []
        while len(ip) > 3:
            groups.insert(0, ip[-3:])
            ip = ip[:-3]
        groups.insert(0, ip)
        ip = " ".join(groups)
    return ip if fp is None else ip + "," + fp


def fmt_qty_point(q):
    return "%s" % q


def fmt_qty_comma(q):
    return ("%s" % q).replace(".", ",")


# ---------------------------------------------------------------------------
# the month
# ---------------------------------------------------------------------------

# Customers. org/phone are stored as an accountant would have typed them; the
# tool normalises them. 'type' is the customer's kind; the invoice decides the
# product (b2b / b2b_grouped / b2c).
CUSTOMERS = {
    "nordlys": dict(
        type="B2B", first="Ola", last="Nordmann", business="Nordlys Konsult AS",
        org="923609016", email="ola.nordmann@nordlys.no", phone="+4791234567",
        address="Storgata 1", postcode="0151", place="Oslo", country="NO"),
    "fjellvegen": dict(
        type="B2B", first="Bjørn", last="Haugen", business="Fjellvegen Bygg AS",
        org="974 760 673", email="bjorn@fjellvegen.no", phone="98 76 54 32",
        address="Keiser Wilhelms gate 22", postcode="6003", place="Ålesund", country="NO"),
    "havbris": dict(
        type="B2B", first="Sigrid", last="Johansen", business="Havbris Sjømat AS",
        org="NO %s MVA" % no_orgnr("91587302"), email="sigrid@havbris.no",
        phone="+47 917 65 432", address="Strandgata 12", postcode="9008",
        place="Tromsø", country="NO"),
    "bjornstad": dict(
        type="B2B", first="Eirik", last="Bjørnstad", business="Bjørnstad Regnskap AS",
        org=None, email="eirik@bjornstad-regnskap.no", phone="41 23 45 67",
        address="Bryggen 5", postcode="5003", place="Bergen", country="NO"),
    "kystlinje": dict(
        type="B2B", first="Hanne", last="Larsen", business="Kystlinje Transport AS",
        org=no_orgnr("98123456"), email="post@kystlinje.no", phone="+4740123456",
        address="Havneringen 3", postcode="4006", place="Stavanger", country="NO"),
    "solberg": dict(
        type="B2B", first="Nils", last="Solberg", business="Solberg & Sønn AS",
        org=no_orgnr("99276511"), email="nils@solbergsonn.no", phone="95 55 12 34",
        address="Munkegata 20", postcode="7011", place="Trondheim", country="NO"),
    "ostlandske": dict(
        type="B2B", first="Tone", last="Berg", business="Østlandske Eiendom AS",
        org="NO %s MVA" % no_orgnr("91344719"), email="faktura@ostlandske-eiendom.no",
        phone="+4722334455", address="Bragernes torg 2", postcode="3017",
        place="Drammen", country="NO"),
    "lofoten": dict(
        type="B2B", first="Kristian", last="Moe", business="Lofoten Reiseliv AS",
        org=no_orgnr("92011473"), email="kristian@lofotenreiseliv.no",
        phone="90 11 22 33", address="Torget 1", postcode="8300",
        place="Svolvær", country="NO"),
    "svensk": dict(
        type="B2B", first="Anna", last="Svensson", business="Svensk Design AB",
        org=se_orgnr("556677889"), email="anna.svensson@svenskdesign.se",
        phone="+46701234567", address="Drottninggatan 10", postcode="111 51",
        place="Stockholm", country="SE"),
    "suomen": dict(
        type="B2B", first="Matti", last="Virtanen", business="Suomen Ohjelmisto Oy",
        org=fi_ytunnus("2345678"), email="matti.virtanen@ohjelmisto.fi",
        phone="+358401234567", address="Mannerheimintie 12", postcode="00100",
        place="Helsinki", country="FI"),
    "kari": dict(
        type="B2C", first="Kari", last="Nordmann", email="kari.nordmann@example.no",
        phone="+4798765432", address="Lillegata 5", postcode="5003", place="Bergen",
        country=None),  # country left blank: defaults to NO
    "bjorn": dict(
        type="B2C", first="Bjørn", last="Åsheim", email="bjorn.asheim@example.no",
        phone="99 88 77 66", address="Storgata 40", postcode="9008", place="Tromsø",
        country="NO"),
    "ingrid": dict(
        type="B2C", first="Ingrid", last="Ødegård", email="ingrid.odegard@example.no",
        phone="+4793456789", address="Apotekergata 7", postcode="6004",
        place="Ålesund", country="NO"),
    "per": dict(
        type="B2C", first="Per", last="Hansen", email="per.hansen@example.no",
        phone="45 67 89 01", address="Schweigaards gate 15",
        address2="Leilighet H0304", co="Lund", postcode="0191", place="Oslo",
        country="NO"),
    "marte": dict(
        type="B2C", first="Marte", last="Løvås", email="marte.lovas@example.no",
        phone="+4792345678", address="Markens gate 9", postcode="4611",
        place="Kristiansand", country=None),
    "siri": dict(
        type="B2C", first="Siri", last="Ås", email="siri.as@example.no",
        phone="97 65 43 21", address="Sjøgata 3", postcode="8006", place="Bodø",
        country="NO"),
}
CUSTOMERS["bjornstad"]["org"] = "%s %s %s" % (lambda n: (n[:3], n[3:6], n[6:]))(no_orgnr("91256783"))

for c in CUSTOMERS.values():
    if c["type"] == "B2B":
        o = c["org"]
        cc = c["country"]
        if cc == "NO":
            assert no_orgnr_valid(o.replace("NO", "").replace("MVA", "")), o
        elif cc == "SE":
            assert luhn_valid(o), o
        elif cc == "FI":
            d = re.sub(r"\D", "", o)
            assert fi_ytunnus_check(d[:7]) == int(d[7]), o


def L(desc, vat, amount=None, qty=None, unit=None, net=None, item=None, after=None):
    """One invoice line. Exactly one of amount / unit (with qty) / net is given."""
    assert sum(x is not None for x in (amount, unit, net)) == 1
    if unit is not None:
        assert qty is not None
    return dict(desc=desc, vat=D(vat), amount=D(amount) if amount else None,
                qty=D(qty) if qty else None, unit=D(unit) if unit else None,
                net=D(net) if net else None, item=item, after=after)


def I(ref, cust, product, lines, days=14, currency="NOK", channel="kravia",
      custref=None, sparse=False, line_ids=False):
    """One invoice.

    days/currency/channel None = cell left blank (the tool's default applies).
    sparse: invoice-level fields only on the invoice's first row in the file.
    line_ids: write line_id 1, 2, 3 ... (otherwise blank, the tool generates).
    """
    return dict(ref=ref, cust=cust, product=product, lines=lines, days=days,
                currency=currency, channel=channel, custref=custref,
                sparse=sparse, line_ids=line_ids)


MONTH = [
    I("2026-11-0001", "nordlys", "b2b", [
        L("Rådgivning, november", 25, qty="12.5", unit="1250.00", item="RAD-TIME"),
        L("Reise, fly Oslo–Bergen t/r", 12, amount="1120.00", item="REISE"),
        L("Workshop, halv dag", 25, amount="6250.00", item="WS-HALV"),
    ], line_ids=True, sparse=True),
    I("2026-11-0002", "kari", "b2c", [
        L("Månedsabonnement Premium", 25, amount="299.00", item="ABO-PREM"),
    ], days=None, currency=None, channel=None),
    I("2026-11-0003", "fjellvegen", "b2b", [
        L("Prosjektledelse", 25, qty="1.5", unit="1250.00", item="PL-TIME"),
        L("Lisens ByggPlan Pro, 12 mnd", 25, amount="12500.00", item="BP-PRO-12"),
        L("Kurs: HMS for ansatte", 0, amount="4000.00", item="KURS-HMS",
          after="2026-11-0006"),
    ], days=30, sparse=True),
    I("2026-11-0004", "havbris", "b2b", [
        L("Lunsjcatering, styremøte", 15, amount="2300.00", item="CAT-LUNSJ"),
        L("Kaffe og frukt", 15, qty="20", unit="45.00", item="CAT-KAFFE"),
        L("Leie av møterom", 25, amount="1250.00", item="ROM"),
        L("Parkering", 25, amount="120.00"),
    ], line_ids=True),
    I("2026-11-0005", "svensk", "b2b", [
        L("Designkonsultasjon", 0, qty="8", unit="1100.00", item="DES-TIME"),
        L("Lisens, designmodul", 0, amount="2500.00", item="LIS-DES"),
    ], days=30, currency="SEK"),
    I("2026-11-0006", "suomen", "b2b", [
        L("Support, november", 0, qty="3.5", unit="95.00", item="SUP-TIME"),
        L("Lisens, grunnpakke", 0, amount="199.00", item="LIS-GRUNN"),
        L("Konsultasjon", 0, qty="1.25", unit="120.00", item="KONS"),
    ], days=30, currency="EUR"),
    I("2026-11-0007", "ostlandske", "b2b_grouped", [
        L("Vaktmestertjenester, november", 25, amount="2500.00", item="VAKT"),
        L("Snørydding", 25, qty="4.5", unit="650.00", item="SNO"),
    ], days=30, custref="Avd. Oslo"),
    I("2026-11-0008", "ostlandske", "b2b_grouped", [
        L("Vaktmestertjenester, november", 25, amount="2500.00", item="VAKT"),
    ], days=30, custref="Avd. Drammen"),
    I("2026-11-0009", "lofoten", "b2b_grouped", [
        L("Hotellovernatting, 2 netter", 12, qty="2", unit="1120.00", item="HOTELL"),
        L("Taxi til flyplassen", 12, amount="157.78", item="TAXI"),
        L("Middag", 15, amount="1150.00", item="MIDDAG"),
    ], days=20, line_ids=True),
    I("2026-11-0010", "bjorn", "b2c", [
        L("Månedsabonnement Basis", 25, amount="299.90", item="ABO-BASIS"),
        L("Sky-lagring 100 GB", 25, amount="29.00", item="SKY-100"),
    ]),
    I("2026-11-0011", "bjornstad", "b2b", [
        L("Regnskapstjenester, november", 25, net="10000.00", item="REGNSKAP"),
        L("Årsoppgjør, forskudd", 25, amount="5000.00", item="AARSOPPGJOR"),
        L("Porto og gebyrer", 0, amount="89.00"),
    ], sparse=True),
    I("2026-11-0012", "ingrid", "b2c", [
        L("Nettkurs: Excel for nybegynnere", 25, amount="1490.00", item="KURS-EXCEL"),
        L("E-bok: Regneark i praksis", 0, amount="149.00", item="EBOK-1"),
        L("Kursmateriell", 25, amount="249.00"),
    ], days=10),
    I("2026-11-0013", "kystlinje", "b2b", [
        L("Frakt Stavanger–Oslo", 25, amount="3360.00", item="FRAKT"),
        L("Persontransport", 12, amount="560.00", item="PERS"),
        L("Drivstofftillegg", 25, amount="336.00"),
        L("Bompenger", 0, amount="245.00"),
    ], channel="merchant"),
    I("2026-11-0014", "per", "b2c", [
        L("Månedsabonnement Premium", 25, amount="299.00", item="ABO-PREM"),
        L("Tilleggstjeneste sky-lagring", 25, amount="49.00", item="SKY-TILLEGG"),
        L("E-bok: Norsk for alle", 0, amount="199.00", item="EBOK-2"),
    ]),
    I("2026-11-0015", "solberg", "b2b", [
        L("Konsulenttimer", 25, qty="7.5", unit="1100.00", item="KONS-TIME"),
        L("Kilometergodtgjørelse", 25, qty="120", unit="4.50", item="KM"),
        L("Overnatting", 12, amount="1344.00", item="HOTELL", after="2026-11-0018"),
    ], days=45),
    I("2026-11-0016", "marte", "b2c", [
        L("Månedsabonnement Premium", 25, amount="299.00", item="ABO-PREM"),
    ], currency=None, channel=None),
    I("2026-11-0017", "nordlys", "b2b", [
        L("Rådgivning, ekstra", 25, qty="2", unit="1250.00", item="RAD-TIME"),
        L("Reise, tog", 12, amount="896.00", item="REISE"),
    ]),
    I("2026-11-0018", "siri", "b2c", [
        L("Matkasse familie", 15, amount="1150.00", item="MAT-FAM"),
        L("Levering", 15, amount="99.00", item="LEV"),
    ]),
    I("2026-11-0019", "lofoten", "b2b_grouped", [
        L("Hotellovernatting", 12, amount="1120.00", item="HOTELL"),
        L("Frokost", 15, qty="2", unit="172.50", item="FROKOST"),
        L("RIB-tur", 12, qty="4", unit="1120.00", item="RIB"),
    ], days=20),
    I("2026-11-0020", "fjellvegen", "b2b", [
        L("Tilleggslisens ByggPlan", 25, qty="3", unit="299.00", item="BP-TILLEGG"),
        L("Opplæring", 25, qty="2.5", unit="950.00", item="OPPL"),
    ], days=30),
    I("2026-11-0021", "kari", "b2c", [
        L("Tilleggstjeneste sky-lagring", 25, amount="49.00", item="SKY-TILLEGG"),
    ]),
    I("2026-11-0022", "havbris", "b2b", [
        L("Julebord, mat", 15, qty="25", unit="460.00", item="JUL-MAT"),
        L("Julebord, drikke", 25, amount="6250.00", item="JUL-DRIKKE",
          after="2026-11-0024"),
        L("Leie av lokale", 25, amount="5000.00", item="LOKALE"),
        L("Buss tur/retur", 12, amount="2240.00", item="BUSS"),
    ], sparse=True),
    I("2026-11-0023", "ostlandske", "b2b_grouped", [
        L("Vaktmester, ekstra oppdrag", 25, qty="3", unit="650.00", item="VAKT-EKSTRA"),
    ], days=30, custref="Avd. Oslo"),
    I("2026-11-0024", "svensk", "b2b", [
        L("Supportavtale, november", 0, amount="1500.00", item="SUP-AVTALE"),
    ], days=30, currency="SEK"),
    I("2026-11-0025", "bjornstad", "b2b", [
        L("Lønnskjøring november", 25, qty="14", unit="125.00", item="LONN"),
        L("Purregebyr", 0, amount="70.00"),
        L("Rapport, ekstra", 25, amount="1250.00"),
    ]),
]

PRODUCT_FULL = {"b2b": "kravia.invoice_b2b", "b2b_grouped": "kravia.invoice_b2b_grouped",
                "b2c": "kravia.invoice_b2c"}


def line_total(line):
    if line["amount"] is not None:
        return line["amount"]
    if line["unit"] is not None:
        return q2(line["unit"] * line["qty"])
    return q2(line["net"] * (1 + line["vat"] / D(100)))


for inv in MONTH:
    assert len(inv["ref"]) <= 35
    for ln in inv["lines"]:
        if ln["unit"] is not None:  # keep unit x quantity exact, easy to check by hand
            assert ln["unit"] * ln["qty"] == line_total(ln), ln
        if ln["net"] is not None:
            assert ln["net"] * (1 + ln["vat"] / D(100)) == line_total(ln), ln

# ---------------------------------------------------------------------------
# rows in file order
# ---------------------------------------------------------------------------


def file_rows(invoices=MONTH):
    """Return [(invoice, line_index, is_first_row_of_invoice)] in file order.

    Lines marked after=REF are moved to just after the last row of invoice REF,
    so the lines of some invoices are not adjacent.
    """
    order = []
    deferred = defaultdict(list)
    for inv in invoices:
        for i, ln in enumerate(inv["lines"]):
            if ln["after"]:
                deferred[ln["after"]].append((inv, i))
            else:
                order.append((inv, i))
        for x in deferred.pop(inv["ref"], []):
            order.append(x)
    for rest in deferred.values():
        order.extend(rest)
    seen = set()
    out = []
    for inv, i in order:
        first = inv["ref"] not in seen
        seen.add(inv["ref"])
        out.append((inv, i, first))
    return out


# canonical field names in the order the files use them
CANON = ["merchant_reference", "customer_type", "payment_product_type", "days_until_due",
         "currency", "invoice_channel", "first_name", "last_name", "business_name",
         "organization_number", "email", "phone_number", "address_line",
         "address_line_2", "co_address", "postal_code", "postal_place", "country",
         "customer_reference", "description", "quantity", "unit_price", "amount",
         "net_amount", "vat", "vat_amount", "line_id", "item_id"]
INVOICE_LEVEL = CANON[1:19]


def row_values(inv, i, first, style):
    """Canonical dict of typed values for one row (None = blank cell).

    style: 'no' | 'canonical' | 'xlsx' selects how invoice fields are spelled.
    """
    c = CUSTOMERS[inv["cust"]]
    ln = inv["lines"][i]
    total = line_total(ln)
    v = OrderedDict((k, None) for k in CANON)
    v["merchant_reference"] = inv["ref"]
    if first or not inv["sparse"]:
        b2b = inv["product"] != "b2c"
        if style == "no":
            v["customer_type"] = "Bedrift" if b2b else "Privat"
            v["payment_product_type"] = inv["product"]  # short forms
        else:
            v["customer_type"] = "B2B" if b2b else "B2C"
            v["payment_product_type"] = PRODUCT_FULL[inv["product"]]
        # Some B2C invoices give only the product, to exercise "one of these two".
        if inv["cust"] in ("kari", "marte"):
            v["customer_type"] = None
        v["days_until_due"] = inv["days"]
        v["currency"] = inv["currency"]
        v["invoice_channel"] = inv["channel"]
        v["first_name"] = c["first"]
        v["last_name"] = c["last"]
        v["business_name"] = c.get("business")
        v["organization_number"] = c.get("org")
        v["email"] = c["email"]
        v["phone_number"] = c["phone"]
        v["address_line"] = c["address"]
        v["address_line_2"] = c.get("address2")
        v["co_address"] = c.get("co")
        v["postal_code"] = c["postcode"]
        v["postal_place"] = c["place"]
        v["country"] = c["country"]
        v["customer_reference"] = inv["custref"]
    v["description"] = ln["desc"]
    if ln["unit"] is not None:
        v["quantity"] = ln["qty"]
        v["unit_price"] = ln["unit"]
    elif ln["net"] is not None:
        v["net_amount"] = ln["net"]
    else:
        v["amount"] = ln["amount"]
    v["vat"] = ln["vat"]
    v["vat_amount"] = line_vat(total, ln["vat"])
    if inv["line_ids"]:
        v["line_id"] = str(i + 1)
    v["item_id"] = ln["item"]
    return v


NUMERIC = {"days_until_due", "quantity", "unit_price", "amount", "net_amount", "vat",
           "vat_amount"}


def text_cell(k, x, decimal_comma, thousands):
    if x is None:
        return ""
    if k in NUMERIC and not isinstance(x, str):
        if k in ("quantity", "vat", "days_until_due"):
            s = "%s" % x
            return s.replace(".", ",") if decimal_comma else s
        if decimal_comma:
            # space thousands separators on line totals, not on prices or VAT
            return fmt_comma(x, thousands=thousands and k == "amount")
        return fmt_point(x)
    return str(x)


# ---------------------------------------------------------------------------
# writers
# ---------------------------------------------------------------------------

NO_HEADERS = OrderedDict([
    ("merchant_reference", "Fakturanummer"), ("customer_type", "Kundetype"),
    ("payment_product_type", "Produkt"), ("days_until_due", "Forfallsdager"),
    ("currency", "Valuta"), ("invoice_channel", "Kanal"), ("first_name", "Fornavn"),
    ("last_name", "Etternavn"), ("business_name", "Firmanavn"),
    ("organization_number", "Orgnr"), ("email", "Epost"), ("phone_number", "Telefon"),
    ("address_line", "Adresse"), ("address_line_2", "Adresse2"), ("co_address", "C/O"),
    ("postal_code", "Postnummer"), ("postal_place", "Poststed"), ("country", "Land"),
    ("customer_reference", "Deres ref"), ("description", "Beskrivelse"),
    ("quantity", "Antall"), ("unit_price", "Enhetspris"), ("amount", "Beløp"),
    ("net_amount", "Netto"), ("vat", "Mva"), ("vat_amount", "Mva-beløp"),
    ("line_id", "Linjenr"), ("item_id", "Varenr"),
])

XLSX_HEADERS = OrderedDict([
    ("merchant_reference", "Invoice No"), ("customer_type", "Customer Type"),
    ("payment_product_type", "Product"), ("days_until_due", "Due Days"),
    ("currency", "Currency"), ("invoice_channel", "Channel"),
    ("first_name", "First Name"), ("last_name", "Last Name"),
    ("business_name", "Company Name"), ("organization_number", "Org Number"),
    ("email", "E-mail"), ("phone_number", "Phone"), ("address_line", "Address"),
    ("address_line_2", "Address2"), ("co_address", "CO"), ("postal_code", "Postcode"),
    ("postal_place", "City"), ("country", "Country"),
    ("customer_reference", "Your Reference"), ("description", "Description"),
    ("quantity", "Qty"), ("unit_price", "Price"), ("amount", "Line Total"),
    ("net_amount", "Amount excl VAT"), ("vat", "VAT Rate"), ("vat_amount", "VAT Amount"),
    ("line_id", "Line ID"), ("item_id", "SKU"),
])


def csv_bytes(header, rows, delimiter, encoding, lineterminator):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator,
                   quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    return buf.getvalue().encode(encoding)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def month_csv_no(invoices=MONTH):
    header = list(NO_HEADERS.values())
    rows = []
    for inv, i, first in file_rows(invoices):
        v = row_values(inv, i, first, "no")
        rows.append([text_cell(k, v[k], True, True) for k in NO_HEADERS])
    return csv_bytes(header, rows, ";", "cp1252", "\r\n")


def month_csv_canonical(invoices=MONTH):
    rows = []
    for inv, i, first in file_rows(invoices):
        v = row_values(inv, i, first, "canonical")
        rows.append([text_cell(k, v[k], False, False) for k in CANON])
    return csv_bytes(CANON, rows, ",", "utf-8", "\n")


def cell_number(x):
    """Decimal -> int or float as Excel would store it."""
    if x == x.to_integral_value():
        return int(x)
    return float(x)


FIXED_DT = (2026, 11, 30, 12, 0, 0)
FIXED_ISO = "2026-11-30T12:00:00Z"


def deterministic_zip(path, patches=None):
    """Rewrite a zip (xlsx/ods) with fixed timestamps and document dates.

    patches: {member name: function(bytes) -> bytes}
    """
    patches = dict(patches or {})
    with zipfile.ZipFile(path) as z:
        members = [(i, z.read(i.filename)) for i in z.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info, data in members:
            if info.filename in ("docProps/core.xml", "meta.xml"):
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?",
                              FIXED_ISO.encode(), data)
            if info.filename in patches:
                data = patches.pop(info.filename)(data)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_DT)
            zi.compress_type = info.compress_type
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    assert not patches, "members not found: %s" % list(patches)
    with open(path, "wb") as f:
        f.write(out.getvalue())


def write_xlsx(path, header, rows, numeric_cols, postcode_col=None, number_cells=(),
               patches=None):
    """rows: lists of typed values (Decimal/int/str/None).

    number_cells: {(row_index, col_index): number} cells forced to be numeric
    (e.g. postcode 151), everything else in non-numeric columns is text.
    """
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "November 2026"
    ws.append(header)
    number_cells = dict(number_cells)
    for ri, r in enumerate(rows):
        out = []
        for ci, x in enumerate(r):
            if (ri, ci) in number_cells:
                out.append(number_cells[(ri, ci)])
            elif x is None or x == "":
                out.append(None)
            elif ci in numeric_cols and isinstance(x, (D, int)):
                out.append(cell_number(D(x)))
            else:
                out.append(str(x))
        ws.append(out)
    # text format on the postcode column so Excel would keep it text
    if postcode_col is not None:
        for row in ws.iter_rows(min_row=2, min_col=postcode_col + 1, max_col=postcode_col + 1):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.number_format = "@"
    for col in numeric_cols:
        for row in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
            for cell in row:
                if isinstance(cell.value, float):
                    cell.number_format = "0.00"
    wb.properties.creator = "kravia-batch samples"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    wb.save(path)
    deterministic_zip(path, patches)


def month_xlsx(path, invoices=MONTH):
    keys = list(XLSX_HEADERS)
    numeric_cols = {keys.index(k) for k in NUMERIC}
    rows = []
    number_cells = {}
    for ri, (inv, i, first) in enumerate(file_rows(invoices)):
        v = row_values(inv, i, first, "xlsx")
        rows.append([v[k] for k in keys])
        # Excel ate the leading zero: 0151 stored as the number 151. Invoice 0001
        # gives invoice-level fields on its first row only, so this is its only
        # postcode cell.
        if inv["ref"] == "2026-11-0001" and first:
            number_cells[(ri, keys.index("postal_code"))] = 151
        # an org number that Excel turned into a number: every row of 2026-11-0013
        # (Kystlinje, written without spaces), so the rows agree as typed.
        if inv["ref"] == "2026-11-0013" and v["organization_number"]:
            number_cells[(ri, keys.index("organization_number"))] = int(v["organization_number"])
    write_xlsx(path, list(XLSX_HEADERS.values()), rows, numeric_cols,
               postcode_col=keys.index("postal_code"), number_cells=number_cells)


# custom headers: an export of the plain B2B NOK invoices (due in 14 days,
# channel kravia) without the columns the mapping's defaults fill in.
CUSTOM_HEADERS = OrderedDict([
    ("merchant_reference", "Fakt. nr"), ("first_name", "Kunde fornavn"),
    ("last_name", "Kunde etternavn"), ("business_name", "Firma"),
    ("organization_number", "Org.nr."), ("email", "Kunde e-post"),
    ("phone_number", "Mobilnr"), ("address_line", "Fakturaadresse"),
    ("postal_code", "Postnr."), ("postal_place", "By"),
    ("description", "Vare/tjeneste"), ("quantity", "Ant."), ("amount", "Sum inkl. mva"),
    ("vat", "MVA-sats"), ("item_id", "Varenummer"),
])


def custom_subset():
    out = []
    for inv in MONTH:
        c = CUSTOMERS[inv["cust"]]
        if (inv["product"] == "b2b" and inv["currency"] == "NOK" and c["country"] == "NO"
                and inv["days"] == 14 and inv["channel"] in ("kravia", None)):
            out.append(inv)
    return out


def custom_csv():
    rows = []
    for n, (inv, i, first) in enumerate(file_rows(custom_subset())):
        v = row_values(inv, i, first, "canonical")
        ln = inv["lines"][i]
        v["amount"] = line_total(ln)  # this export always has the line total
        v["quantity"] = ln["qty"]
        r = []
        for k in CUSTOM_HEADERS:
            if k is None:
                r.append("sjekket av KH" if n % 4 == 0 else "")
            else:
                r.append(text_cell(k, v[k], True, True))
        rows.append(r)
    return csv_bytes(list(CUSTOM_HEADERS.values()), rows, ";", "utf-8", "\n")


def mapping_toml():
    lines = [
        "# Map headers in your export (left, as written) to kravia-batch's canonical names (right).",
        "# Used with samples/november-2026-custom-headers.csv. Headers neither listed here nor",
        "# known to the tool would be ignored and listed once in the report.",
        "[columns]",
    ]
    for k, h in CUSTOM_HEADERS.items():
        if k is not None:
            lines.append('"%s" = "%s"' % (h, k))
    lines += [
        "",
        "# Values for columns this export does not have.",
        "[defaults]",
        'currency = "NOK"',
        'country = "NO"',
        "days_until_due = 14",
        'customer_type = "B2B"',
        'invoice_channel = "kravia"',
        "",
    ]
    return "\n".join(lines).encode("utf-8")


# ---------------------------------------------------------------------------
# EXPECTED.md
# ---------------------------------------------------------------------------


def summarize(invoices):
    per_inv = []
    cur = OrderedDict()
    rates = OrderedDict()
    types = OrderedDict((("b2b", 0), ("b2b_grouped", 0), ("b2c", 0)))
    nlines = 0
    for inv in invoices:
        ccy = inv["currency"] or "NOK"
        amt = D(0)
        vat = D(0)
        for ln in inv["lines"]:
            t = line_total(ln)
            lv = line_vat(t, ln["vat"])
            amt += t
            vat += lv
            r = rates.setdefault((ccy, ln["vat"]), [D(0), D(0), D(0), 0])
            r[0] += t - lv
            r[1] += lv
            r[2] += t
            r[3] += 1
            nlines += 1
        types[inv["product"]] += 1
        c = cur.setdefault(ccy, [D(0), D(0), 0, 0])
        c[0] += amt
        c[1] += vat
        c[2] += 1
        c[3] += len(inv["lines"])
        per_inv.append((inv, ccy, amt, vat))
    return per_inv, cur, rates, types, nlines


def minor(d):
    return int(d * 100)


def kr(d):
    return fmt_comma(d, thousands=True)


def expected_md():
    out = []
    P = out.append
    per_inv, cur, rates, types, nlines = summarize(MONTH)
    P("# Expected results for the November 2026 samples")
    P("")
    P("Generated by `samples/make_samples.py` from the same data as the sample files; do not edit by hand.")
    P("")
    P("Applies to `november-2026-no.csv`, `november-2026.xlsx` and `november-2026-canonical.csv` "
      "(the same month: same invoices, same lines, same amounts). All three must validate with "
      "zero errors and zero warnings.")
    P("")
    P("Rules used: line amount = `amount`, or `unit_price` x `quantity`, or `net_amount` x (1 + vat/100), "
      "rounded half away from zero to the minor unit; line VAT = amount x vat / (100 + vat), rounded half "
      "away from zero; an invoice's `amount` and `vat_amount` are the sums of its lines'. "
      "Amounts in minor units (øre, öre, cent) and in major units (kroner, kronor, euro).")
    P("")
    P("## Counts")
    P("")
    P("| what | count |")
    P("|---|---:|")
    P("| invoices | %d |" % len(MONTH))
    P("| lines (data rows) | %d |" % nlines)
    P("| kravia.invoice_b2b | %d |" % types["b2b"])
    P("| kravia.invoice_b2b_grouped | %d |" % types["b2b_grouped"])
    P("| kravia.invoice_b2c | %d |" % types["b2c"])
    P("")
    P("## Totals per currency")
    P("")
    P("| currency | invoices | lines | total incl. VAT (minor) | VAT (minor) | total excl. VAT (minor) | total incl. VAT | VAT | total excl. VAT |")
    P("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for ccy, (a, v, ni, nl) in cur.items():
        P("| %s | %d | %d | %d | %d | %d | %s | %s | %s |" % (
            ccy, ni, nl, minor(a), minor(v), minor(a - v), kr(a), kr(v), kr(a - v)))
    P("")
    P("## Per VAT rate (per currency)")
    P("")
    P("Base = amount excluding VAT (line amount minus line VAT).")
    P("")
    P("| currency | VAT % | lines | base (minor) | VAT (minor) | incl. VAT (minor) | base | VAT | incl. VAT |")
    P("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (ccy, rate), (b, v, t, n) in sorted(rates.items(), key=lambda kv: (list(cur).index(kv[0][0]), -kv[0][1])):
        P("| %s | %s | %d | %d | %d | %d | %s | %s | %s |" % (
            ccy, rate, n, minor(b), minor(v), minor(t), kr(b), kr(v), kr(t)))
    P("")
    P("## Per invoice")
    P("")
    P("| merchant_reference | payment_product_type | customer | currency | lines | amount (minor) | vat_amount (minor) | amount | VAT |")
    P("|---|---|---|---|---:|---:|---:|---:|---:|")
    for inv, ccy, a, v in per_inv:
        c = CUSTOMERS[inv["cust"]]
        who = c.get("business") or "%s %s" % (c["first"], c["last"])
        if inv["custref"]:
            who += " (%s)" % inv["custref"]
        P("| %s | %s | %s | %s | %d | %d | %d | %s | %s |" % (
            inv["ref"], PRODUCT_FULL[inv["product"]], who, ccy, len(inv["lines"]),
            minor(a), minor(v), kr(a), kr(v)))
    P("")
    P("## Things the samples exercise")
    P("")
    P("- Lines of one invoice that are not adjacent: 2026-11-0003 (third line after 2026-11-0006), "
      "2026-11-0015 (third line after 2026-11-0018), 2026-11-0022 (second line after 2026-11-0024).")
    P("- Invoice-level fields only on the invoice's first row (blank cells inherit): %s. "
      "All other invoices repeat them on every row." % ", ".join(i["ref"] for i in MONTH if i["sparse"]))
    P("- Rounding: 2026-11-0009 `Taxi til flyplassen` 157,78 at 12 % has VAT 16,905 -> 16,91 "
      "(half away from zero; banker's rounding would give 16,90).")
    P("- `net_amount`: 2026-11-0011 `Regnskapstjenester, november` net 10 000,00 at 25 % -> amount 12 500,00.")
    P("- Decimal quantities with `unit_price`: 12,5 / 1,5 / 3,5 / 1,25 / 4,5 / 7,5 / 2,5.")
    P("- Defaults: 2026-11-0002 has blank days_until_due, currency, invoice_channel and country "
      "(14, NOK, kravia, NO); 2026-11-0016 blank currency, channel, country; "
      "2026-11-0002, 0016, 0021 give only payment_product_type (no customer_type).")
    P("- Organization numbers as written: %s." % ", ".join(
        "`%s` (%s)" % (c["org"], c["country"]) for c in CUSTOMERS.values() if c.get("org")))
    P("- In the XLSX the org number of 2026-11-0013 is a numeric cell (%s) on all its rows." %
      CUSTOMERS["kystlinje"]["org"])
    P("- Postcodes with leading zeros: 0151, 0191 (NO), 00100 (FI); SE `111 51`. "
      "In the XLSX the first row of 2026-11-0001 stores the postcode as the number 151 (must become 0151).")
    P("- Phones: national `98 76 54 32`, `+47 917 65 432`, E.164 `+4791234567`, +46 and +358.")
    P("- `november-2026-no.csv`: Windows-1252, `;`, CRLF, decimal comma, `1 250,00`-style thousands, "
      "`Bedrift`/`Privat` and short product forms (`b2b`, `b2b_grouped`, `b2c`).")
    P("")
    # custom headers subset
    sub = custom_subset()
    per_inv, cur, rates, types, nlines = summarize(sub)
    P("## `november-2026-custom-headers.csv` with `mapping-example.toml`")
    P("")
    P("A separate, smaller export: the %d plain B2B invoices in NOK, due in 14 days, channel kravia "
      "(%s), %d lines, with odd headers and without the currency, country, days_until_due, "
      "customer_type and invoice_channel columns, which come from the mapping's `[defaults]`. "
      "Amounts are the same as in the month. Every header is mapped; zero errors, zero warnings." % (
          len(sub), ", ".join(i["ref"] for i in sub), nlines))
    P("")
    P("| currency | invoices | lines | total incl. VAT (minor) | VAT (minor) | total excl. VAT (minor) | total incl. VAT | VAT | total excl. VAT |")
    P("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for ccy, (a, v, ni, nl) in cur.items():
        P("| %s | %d | %d | %d | %d | %d | %s | %s | %s |" % (
            ccy, ni, nl, minor(a), minor(v), minor(a - v), kr(a), kr(v), kr(a - v)))
    P("")
    return ("\n".join(out)).encode("utf-8")


def main():
    write(os.path.join(HERE, "november-2026-no.csv"), month_csv_no())
    write(os.path.join(HERE, "november-2026-canonical.csv"), month_csv_canonical())
    month_xlsx(os.path.join(HERE, "november-2026.xlsx"))
    write(os.path.join(HERE, "november-2026-custom-headers.csv"), custom_csv())
    write(os.path.join(HERE, "mapping-example.toml"), mapping_toml())
    write(os.path.join(HERE, "EXPECTED.md"), expected_md())


if __name__ == "__main__":
    main()
