#!/usr/bin/env python3
"""Hand-crafted XLSX variants for the differential test of the fast sheet reader.

Standard library only. Every workbook is written from literal XML strings, so each file
holds exactly the construct it is named for. Output is deterministic (fixed zip
timestamps and attributes, fixed random seeds).

    python3 tests/data/xlsx-variants/make_variants.py

writes the .xlsx files and VARIANTS.tsv next to this script. `tests/xlsx_reader.rs`
reads every file listed in VARIANTS.tsv through calamine and through the fast reader and
requires the same rows (or the same error). calamine is the oracle: nothing here says
what the right answer is.
"""

import os
import random
import re
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_OFFICE_DOC = NS_R + "/officeDocument"
REL_WORKSHEET = NS_R + "/worksheet"
REL_SST = NS_R + "/sharedStrings"
REL_STYLES = NS_R + "/styles"
CT_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Variants whose sheet XML is deliberately not well-formed (checked by `check()`).
MALFORMED = set()
MANIFEST = []


# ---------------------------------------------------------------------------------
# XML snippets
# ---------------------------------------------------------------------------------


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def t(text):
    """A `<t>` element; `xml:space="preserve"` when the text has outer whitespace."""
    keep = text != text.strip()
    return '<t xml:space="preserve">%s</t>' % esc(text) if keep else "<t>%s</t>" % esc(text)


def si(text):
    return "<si>%s</si>" % t(text)


def s(ref, idx, extra=""):
    return '<c r="%s" t="s"%s><v>%s</v></c>' % (ref, extra, idx)


def n(ref, value, style=None):
    st = ' s="%d"' % style if style is not None else ""
    return '<c r="%s"%s><v>%s</v></c>' % (ref, st, value)


def istr(ref, text):
    return '<c r="%s" t="inlineStr"><is>%s</is></c>' % (ref, t(text))


def row(r, *cells, attrs=""):
    return '<row r="%d"%s>%s</row>' % (r, attrs, "".join(cells))


def header(*names):
    """Row 1 of inline-string headers A1, B1, ..."""
    return row(1, *(istr(col(i) + "1", name) for i, name in enumerate(names)))


def col(i):
    name = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        name = chr(65 + rem) + name
    return name


def col_index(letters):
    v = 0
    for ch in letters.upper():
        v = v * 26 + ord(ch) - 64
    return v - 1


REF_RE = re.compile(r'<c r="([A-Z]+)([0-9]+)"')


def dimension_of(sheet_data):
    refs = REF_RE.findall(sheet_data)
    if not refs:
        return "A1"
    cols = [col_index(c) for c, _ in refs]
    rows = [int(r) for _, r in refs]
    first = "%s%d" % (col(min(cols)), min(rows))
    last = "%s%d" % (col(max(cols)), max(rows))
    return first if first == last else first + ":" + last


def worksheet(sheet_data, dim=None, before="", after="", root_attrs=""):
    """A worksheet part. `sheet_data` is the inside of <sheetData> (None: `<sheetData/>`).
    `dim`: None computes the dimension from the cell refs, False omits it, a string is
    used as is. `before`/`after` go around <sheetData>."""
    if dim is None:
        dim = dimension_of(sheet_data or "")
    dim_xml = '<dimension ref="%s"/>' % dim if dim else ""
    body = "<sheetData/>" if sheet_data is None else "<sheetData>%s</sheetData>" % sheet_data
    return '%s<worksheet xmlns="%s" xmlns:r="%s"%s>%s%s%s%s</worksheet>' % (
        XML_DECL,
        NS_MAIN,
        NS_R,
        root_attrs,
        dim_xml,
        before,
        body,
        after,
    )


def sst_xml(items, count=None):
    """A sharedStrings part; items are the raw inner XML of each <si>, or a full <si>."""
    parts = [x if x.startswith("<si") else "<si>%s</si>" % x for x in items]
    count = len(parts) if count is None else count
    return '%s<sst xmlns="%s" count="%d" uniqueCount="%d">%s</sst>' % (
        XML_DECL,
        NS_MAIN,
        count,
        len(parts),
        "".join(parts),
    )


CUSTOM_FORMATS = [
    (164, "dd.mm.yyyy"),
    (165, "yyyy-mm-dd hh:mm"),
    (166, "[h]:mm:ss"),
    (167, "0.00"),
    (168, '"Y: "0.00'),
    (169, "#,##0\\ [$kr-414]"),
    (170, "\\Y000000"),
    (171, "h:mm AM/PM"),
]
# cellXfs index -> numFmtId. 0 general, 1-4 builtin dates, 5-12 the custom formats.
XF_FORMATS = [0, 14, 22, 46, 47] + [fid for fid, _ in CUSTOM_FORMATS]


def styles_xml(xf_formats=XF_FORMATS, custom=CUSTOM_FORMATS):
    num_fmts = ""
    if custom:
        num_fmts = '<numFmts count="%d">%s</numFmts>' % (
            len(custom),
            "".join(
                '<numFmt numFmtId="%d" formatCode="%s"/>' % (fid, esc(code).replace('"', "&quot;"))
                for fid, code in custom
            ),
        )
    xfs = "".join(
        '<xf numFmtId="%d" fontId="0" fillId="0" borderId="0" xfId="0"%s/>'
        % (fid, ' applyNumberFormat="1"' if fid else "")
        for fid in xf_formats
    )
    return (
        XML_DECL + '<styleSheet xmlns="%s">%s'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><sz val="9"/><name val="MS PGothic"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="%d">%s</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ) % (NS_MAIN, num_fmts, len(xf_formats), xfs)


# ---------------------------------------------------------------------------------
# Package
# ---------------------------------------------------------------------------------


def rels_xml(rels):
    return '%s<Relationships xmlns="%s">%s</Relationships>' % (
        XML_DECL,
        NS_PKG_REL,
        "".join('<Relationship Id="%s" Type="%s" Target="%s"/>' % r for r in rels),
    )


def write_zip(fname, parts):
    """parts: list of (entry name, str or bytes), written in that order."""
    path = os.path.join(HERE, fname)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            if isinstance(data, str):
                data = data.encode("utf-8")
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def package(
    fname,
    note,
    sheets,
    sst=None,
    styles=None,
    read="-",
    date1904=False,
    workbook_path="xl/workbook.xml",
    office_target=None,
    malformed=False,
):
    """Writes one workbook and records it in the manifest.

    sheets: list of dicts with `name` (raw XML attribute text, already escaped) and `xml`
      (the part), optional `target` (the Target written in the workbook rels; default
      `worksheets/sheetN.xml`) and `entry` (the zip entry name; default the resolved
      target).
    sst: list of <si> contents (see sst_xml), or a complete part as a str.
    styles: a complete styles part, or None for no styles.xml.
    read: the sheet name the test asks for, `-` for the first sheet.
    """
    wb_dir, wb_file = os.path.split(workbook_path)
    wb_rels_entry = "%s/_rels/%s.rels" % (wb_dir, wb_file)
    overrides = [("/" + workbook_path, CT_WORKBOOK)]
    wb_rels = []
    entries = []
    sheet_tags = []
    for i, sh in enumerate(sheets, start=1):
        target = sh.get("target", "worksheets/sheet%d.xml" % i)
        resolved = target.lstrip("/") if target.startswith("/") else wb_dir + "/" + target
        entry = sh.get("entry", resolved)
        rid = "rId%d" % i
        wb_rels.append((rid, REL_WORKSHEET, target))
        overrides.append(("/" + resolved, CT_WORKSHEET))
        entries.append((entry, sh["xml"]))
        sheet_tags.append('<sheet name="%s" sheetId="%d" r:id="%s"/>' % (sh["name"], i, rid))
    k = len(sheets)
    if sst is not None:
        k += 1
        wb_rels.append(("rId%d" % k, REL_SST, "sharedStrings.xml"))
        overrides.append(("/%s/sharedStrings.xml" % wb_dir, CT_SST))
        entries.append(("%s/sharedStrings.xml" % wb_dir, sst if isinstance(sst, str) else sst_xml(sst)))
    if styles is not None:
        k += 1
        wb_rels.append(("rId%d" % k, REL_STYLES, "styles.xml"))
        overrides.append(("/%s/styles.xml" % wb_dir, CT_STYLES))
        entries.append(("%s/styles.xml" % wb_dir, styles))
    wb_pr = '<workbookPr date1904="1"/>' if date1904 else ""
    workbook = '%s<workbook xmlns="%s" xmlns:r="%s">%s<sheets>%s</sheets></workbook>' % (
        XML_DECL,
        NS_MAIN,
        NS_R,
        wb_pr,
        "".join(sheet_tags),
    )
    content_types = (
        '%s<Types xmlns="%s">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>%s</Types>'
    ) % (
        XML_DECL,
        NS_CT,
        "".join('<Override PartName="%s" ContentType="%s"/>' % o for o in overrides),
    )
    root_rels = rels_xml([("rId1", REL_OFFICE_DOC, office_target or workbook_path)])
    parts = [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", root_rels),
        (workbook_path, workbook),
        (wb_rels_entry, rels_xml(wb_rels)),
    ] + entries
    write_zip(fname, parts)
    if malformed:
        MALFORMED.add(fname)
    MANIFEST.append((fname, read, note))


def one(fname, note, xml, sst=None, styles=None, **kw):
    """A workbook with one sheet named Sheet1."""
    package(fname, note, [{"name": "Sheet1", "xml": xml}], sst=sst, styles=styles, **kw)


# ---------------------------------------------------------------------------------
# Variants
# ---------------------------------------------------------------------------------

BASE_SST = ["Name", "Amount", "Code", "Note", "Ola Nordmann", "Kari", "007", "Big"]


def base_rows():
    """A small sheet of shared strings and numbers used by the structure variants."""
    return "".join(
        [
            row(1, s("A1", 0), s("B1", 1), s("C1", 2), s("D1", 3)),
            row(2, s("A2", 4), n("B2", "299.9"), s("C2", 6), n("D2", "0.1")),
            row(3, s("A3", 5), n("B3", "-12.5"), n("C3", "1e3"), n("D3", "1.5E-2")),
            row(4, s("A4", 7), n("B4", "12345678901234567"), n("C4", "007"), n("D4", "0")),
        ]
    )


def variants_strings():
    one(
        "01-baseline.xlsx",
        "shared strings and numbers: 299.9 0.1 -12.5 1e3 1.5E-2 12345678901234567, '007' as string and as number",
        worksheet(
            base_rows()
            + row(5, s("A5", 7), n("B5", "1.0"), n("C5", "-0"), n("D5", "1E+21"))
            + row(6, s("A6", 7), n("B6", "0.30000000000000004"), n("C6", "2.5e-7"), n("D6", "100"))
        ),
        sst=[t(x) for x in BASE_SST],
    )
    one(
        "02-sst-entities.xlsx",
        "shared strings with &amp; &lt; &gt; &quot; &apos; &#248; &#x2603; and raw UTF-8 æøåÆØÅ",
        worksheet(
            row(1, istr("A1", "Text"))
            + "".join(row(i + 2, s("A%d" % (i + 2), i)) for i in range(9))
        ),
        sst=[
            "<t>Fish &amp; Chips</t>",
            "<t>a &lt; b &gt; c</t>",
            "<t>&quot;quoted&quot; and &apos;single&apos;</t>",
            "<t>S&#248;r-Tr&#248;ndelag</t>",
            "<t>snow &#x2603; man</t>",
            "<t>Blåbærsyltetøy ÆØÅ</t>",
            "<t>&amp;amp; stays &amp;amp;</t>",
            "<t>&#x1F600; via char ref</t>",
            "<t>mixed &#65;&#x42;C</t>",
        ],
    )
    one(
        "03-sst-x-escapes.xlsx",
        "shared strings with _x000D_, _x005F_x000D_, _x0009_, lowercase _x000d_, surrogate pair _xD83D__xDE00_",
        worksheet(
            row(1, istr("A1", "Text")) + "".join(row(i + 2, s("A%d" % (i + 2), i)) for i in range(7))
        ),
        sst=[
            "<t>line1_x000D_line2</t>",
            "<t>literal _x005F_x000D_ kept</t>",
            "<t>tab_x0009_here</t>",
            "<t>lower_x000d_case</t>",
            "<t>smile _xD83D__xDE00_ end</t>",
            "<t>not an escape _x12_ _xZZZZ_ _x0041</t>",
            "<t>_x0041__x0042_C</t>",
        ],
    )
    one(
        "04-sst-lone-surrogate.xlsx",
        "shared string with a lone surrogate escape _xD800_",
        worksheet(row(1, istr("A1", "Text")) + row(2, s("A2", 0)) + row(3, s("A3", 1))),
        sst=["<t>lone _xD800_ here</t>", "<t>ok</t>"],
    )
    one(
        "05-sst-outer-spaces.xlsx",
        "shared strings with leading/trailing spaces, with and without xml:space=preserve; only spaces",
        worksheet(
            row(1, istr("A1", "Text")) + "".join(row(i + 2, s("A%d" % (i + 2), i)) for i in range(6))
        ),
        sst=[
            '<t xml:space="preserve">  lead and trail  </t>',
            "<t>  no preserve  </t>",
            '<t xml:space="preserve">   </t>',
            "<t>   </t>",
            "<t>\tTab\t</t>",
            '<t xml:space="default">  default  </t>',
        ],
    )
    one(
        "06-sst-newlines.xlsx",
        "shared strings with raw CRLF, a lone CR, LF and &#13; inside <t>",
        worksheet(
            row(1, istr("A1", "Text")) + "".join(row(i + 2, s("A%d" % (i + 2), i)) for i in range(4))
        ),
        sst=[
            "<t>crlf\r\nline</t>",
            "<t>lone\rcr</t>",
            "<t>lf\nline</t>",
            "<t>charref&#13;&#10;line</t>",
        ],
    )
    one(
        "07-sst-empty.xlsx",
        "empty shared strings <si><t/></si>, <si></si>, <si><t></t></si> between real ones",
        worksheet(
            row(1, istr("A1", "A"), istr("B1", "B"))
            + row(2, s("A2", 0), s("B2", 1))
            + row(3, s("A3", 2), s("B3", 3))
            + row(4, s("A4", 4), s("B4", 1))
        ),
        sst=["<si><t/></si>", "<si><t>x</t></si>", "<si></si>", "<si><t></t></si>", "<si><t>y</t></si>"],
    )
    one(
        "08-sst-rich-text.xlsx",
        "rich-text shared strings <r><rPr>..</rPr><t>..</t></r> runs",
        worksheet(row(1, istr("A1", "Text")) + row(2, s("A2", 0)) + row(3, s("A3", 1)) + row(4, s("A4", 2))),
        sst=[
            '<r><rPr><b/><sz val="11"/></rPr><t>Hel</t></r><r><t xml:space="preserve">lo </t></r>',
            '<r><t>a</t></r><r><rPr><i/><color rgb="FFFF0000"/><rFont val="Calibri"/></rPr><t>&amp;b</t></r><r><t>c</t></r>',
            "<t>plain</t><r><t>+run</t></r>",
        ],
    )
    one(
        "09-sst-phonetic.xlsx",
        "shared string with phonetic runs <rPh> and <phoneticPr fontId=1/> (only the base text should count)",
        worksheet(row(1, istr("A1", "Text")) + row(2, s("A2", 0)) + row(3, s("A3", 1))),
        sst=[
            '<t>振り</t><rPh sb="0" eb="1"><t>ふり</t></rPh><phoneticPr fontId="1"/>',
            '<r><t>漢</t></r><r><t>字</t></r><rPh sb="0" eb="2"><t>かんじ</t></rPh><phoneticPr fontId="1" type="noConversion"/>',
        ],
        styles=styles_xml(),
    )
    one(
        "10-sst-cdata.xlsx",
        "shared strings with CDATA inside <t>, alone and mixed with text",
        worksheet(row(1, istr("A1", "Text")) + row(2, s("A2", 0)) + row(3, s("A3", 1))),
        sst=["<t><![CDATA[a < b & c]]></t>", "<t>pre <![CDATA[<mid>]]> post</t>"],
    )


def variants_inline():
    one(
        "11-inline-strings.xlsx",
        "inline strings t=inlineStr <is><t>..</t></is>: plain, entities, preserved spaces, UTF-8, _x000D_",
        worksheet(
            row(1, istr("A1", "Name"), istr("B1", "Note"))
            + row(2, istr("A2", "Ola"), '<c r="B2" t="inlineStr"><is><t>a &amp; b &lt;c&gt;</t></is></c>')
            + row(3, istr("A3", "  spaced  "), '<c r="B3" t="inlineStr"><is><t>  no preserve  </t></is></c>')
            + row(4, istr("A4", "Blåbær"), '<c r="B4" t="inlineStr"><is><t>x_x000D_y</t></is></c>')
        ),
    )
    one(
        "12-inline-rich.xlsx",
        "rich inline strings <is><r>..</r><r>..</r></is>, and one with phonetic run",
        worksheet(
            row(1, istr("A1", "Text"))
            + row(2, '<c r="A2" t="inlineStr"><is><r><rPr><b/></rPr><t>Hel</t></r><r><t xml:space="preserve">lo </t></r></is></c>')
            + row(3, '<c r="A3" t="inlineStr"><is><t>振り</t><rPh sb="0" eb="1"><t>ふり</t></rPh></is></c>')
        ),
    )
    one(
        "13-inline-empty.xlsx",
        "inline strings <is/>, <is></is>, <is><t/></is>, and t=inlineStr with no child",
        worksheet(
            row(1, istr("A1", "A"), istr("B1", "B"))
            + row(2, '<c r="A2" t="inlineStr"><is/></c>', n("B2", "1"))
            + row(3, '<c r="A3" t="inlineStr"><is></is></c>', n("B3", "2"))
            + row(4, '<c r="A4" t="inlineStr"><is><t/></is></c>', n("B4", "3"))
            + row(5, '<c r="A5" t="inlineStr"/>', n("B5", "4"))
        ),
    )
    one(
        "14-inline-with-v.xlsx",
        "t=inlineStr cell that also has a <v> (before and after <is>)",
        worksheet(
            row(1, istr("A1", "A"))
            + row(2, '<c r="A2" t="inlineStr"><is><t>inline</t></is><v>value</v></c>')
            + row(3, '<c r="A3" t="inlineStr"><v>first</v><is><t>second</t></is></c>')
            + row(4, '<c r="A4" t="inlineStr"><v>only v</v></c>')
        ),
    )


def variants_formulas():
    one(
        "15-formula-number.xlsx",
        "formula cells with cached numbers <f>A2*2</f><v>4</v>; formula without cached value",
        worksheet(
            row(1, istr("A1", "A"), istr("B1", "B"), istr("C1", "C"))
            + row(2, n("A2", "2"), n("B2", "3"), '<c r="C2"><f>A2*2</f><v>4</v></c>')
            + row(3, n("A3", "1.5"), n("B3", "3"), '<c r="C3"><f>A3+B3</f><v>4.5</v></c>')
            + row(4, n("A4", "1"), n("B4", "1"), '<c r="C4"><f>A4/0</f></c>')
        ),
    )
    one(
        "16-formula-str.xlsx",
        "t=str formula cells with cached text: plain, entities, _x000D_, spaces, empty string result",
        worksheet(
            row(1, istr("A1", "A"), istr("B1", "B"))
            + row(2, istr("A2", "x"), '<c r="B2" t="str"><f>A2&amp;"y"</f><v>xy</v></c>')
            + row(3, istr("A3", "x"), '<c r="B3" t="str"><f>"a&amp;b"</f><v>a &amp; b &lt;c&gt; &quot;q&quot;</v></c>')
            + row(4, istr("A4", "x"), '<c r="B4" t="str"><f>A4</f><v>line_x000D_end</v></c>')
            + row(5, istr("A5", "x"), '<c r="B5" t="str"><f>" pad "</f><v> pad </v></c>')
            + row(6, istr("A6", "x"), '<c r="B6" t="str"><f>""</f><v></v></c>')
        ),
    )
    one(
        "17-formula-shared.xlsx",
        'shared formulas: <f t="shared" ref="C2:C5" si="0">A2*2</f> then <f t="shared" si="0"/>',
        worksheet(
            row(1, istr("A1", "A"), istr("C1", "C"))
            + row(2, n("A2", "1"), '<c r="C2"><f t="shared" ref="C2:C5" si="0">A2*2</f><v>2</v></c>')
            + row(3, n("A3", "2"), '<c r="C3"><f t="shared" si="0"/><v>4</v></c>')
            + row(4, n("A4", "3"), '<c r="C4"><f t="shared" si="0"/><v>6</v></c>')
            + row(5, n("A5", "4.5"), '<c r="C5"><f t="shared" si="0"/><v>9</v></c>')
        ),
    )
    one(
        "18-formula-v-before-f.xlsx",
        "cached value written before the formula: <c><v>4</v><f>A2*2</f></c>, also for t=str",
        worksheet(
            row(1, istr("A1", "A"), istr("C1", "C"))
            + row(2, n("A2", "2"), '<c r="C2"><v>4</v><f>A2*2</f></c>')
            + row(3, n("A3", "2"), '<c r="C3" t="str"><v>text</v><f>"text"</f></c>')
        ),
    )
    one(
        "19-formula-self-closing.xlsx",
        "self-closing <f/> with and without a cached value; array formula <f t=array>",
        worksheet(
            row(1, istr("A1", "A"), istr("B1", "B"), istr("C1", "C"))
            + row(2, n("A2", "1"), '<c r="B2"><f/><v>5</v></c>', '<c r="C2"><f/></c>')
            + row(3, n("A3", "2"), '<c r="B3"><f t="array" ref="B3">SUM(A2:A3)</f><v>3</v></c>', '<c r="C3" t="str"><f/><v>s</v></c>')
        ),
    )


def variants_bool_error():
    one(
        "20-bool.xlsx",
        "booleans t=b with 0 and 1",
        worksheet(
            row(1, istr("A1", "Flag"))
            + row(2, '<c r="A2" t="b"><v>0</v></c>')
            + row(3, '<c r="A3" t="b"><v>1</v></c>')
        ),
    )
    one(
        "21-bool-true-text.xlsx",
        'boolean t=b with <v>true</v> and <v>false</v>',
        worksheet(
            row(1, istr("A1", "Flag"))
            + row(2, '<c r="A2" t="b"><v>true</v></c>')
            + row(3, '<c r="A3" t="b"><v>false</v></c>')
        ),
    )
    one(
        "22-bool-spaced.xlsx",
        'boolean t=b with <v> 1 </v>',
        worksheet(row(1, istr("A1", "Flag")) + row(2, '<c r="A2" t="b"><v> 1 </v></c>')),
    )
    errors = ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]
    one(
        "23-errors.xlsx",
        "error cells t=e: " + " ".join(errors),
        worksheet(
            row(1, istr("A1", "Err"))
            + "".join(
                row(i + 2, '<c r="A%d" t="e"><v>%s</v></c>' % (i + 2, e)) for i, e in enumerate(errors)
            )
        ),
    )
    one(
        "24-errors-newer.xlsx",
        "newer error values t=e: #SPILL! #CALC! #GETTING_DATA",
        worksheet(
            row(1, istr("A1", "Err"))
            + row(2, '<c r="A2" t="e"><v>#SPILL!</v></c>')
            + row(3, '<c r="A3" t="e"><v>#CALC!</v></c>')
            + row(4, '<c r="A4" t="e"><v>#GETTING_DATA</v></c>')
        ),
    )
    one(
        "25-error-formula.xlsx",
        "formula with cached error <c t=e><f>1/0</f><v>#DIV/0!</v></c>",
        worksheet(row(1, istr("A1", "Err")) + row(2, '<c r="A2" t="e"><f>1/0</f><v>#DIV/0!</v></c>')),
    )


SERIALS = ["45627", "45627.5", "0", "60", "61", "1", "0.25", "45627.999988426"]


def date_sheet(styles_idx, serials=SERIALS):
    """Column A the raw serial (no style), then one column per style index."""
    rows = [row(1, istr("A1", "raw"), *(istr(col(j + 1) + "1", "s%d" % sx) for j, sx in enumerate(styles_idx)))]
    for i, v in enumerate(serials):
        r = i + 2
        rows.append(row(r, n("A%d" % r, v), *(n("%s%d" % (col(j + 1), r), v, sx) for j, sx in enumerate(styles_idx))))
    return worksheet("".join(rows))


def variants_dates():
    one(
        "26-dates-builtin.xlsx",
        "styled serials with builtin numFmtId 14 22 46 47 (s=1..4): 45627 45627.5 0 60 61 1 0.25 ...",
        date_sheet([1, 2, 3, 4]),
        styles=styles_xml(),
    )
    one(
        "27-dates-custom.xlsx",
        "styled serials with custom numFmts dd.mm.yyyy, yyyy-mm-dd hh:mm, [h]:mm:ss, 0.00, \"Y: \"0.00, "
        "#,##0\\ [$kr-414], \\Y000000, h:mm AM/PM (s=5..12)",
        date_sheet(list(range(5, 13))),
        styles=styles_xml(),
    )
    one(
        "28-dates-extreme.xlsx",
        "date-styled serials at the edges: -1, 2958465 (9999-12-31), 2958466, 1e10, 0.0000001",
        date_sheet([1, 2], ["-1", "2958465", "2958465.99999", "2958466", "1e10", "0.0000001"]),
        styles=styles_xml(),
    )
    one(
        "29-style-out-of-range.xlsx",
        "cells with s= beyond the cellXfs count (s=13, s=99) next to a date style",
        worksheet(
            row(1, istr("A1", "A"), istr("B1", "B"), istr("C1", "C"))
            + row(2, n("A2", "45627", 1), n("B2", "45627", 13), n("C2", "45627", 99))
            + row(3, '<c r="A3" s="99" t="s"><v>0</v></c>', n("B3", "1.5", 99), n("C3", "0", 13))
        ),
        sst=[t("styled text")],
        styles=styles_xml(),
    )
    package(
        "30-date1904.xlsx",
        "workbook with <workbookPr date1904=\"1\"/>: date-styled serials 0 1 45627 45627.5 (s=1,2)",
        [{"name": "Sheet1", "xml": date_sheet([1, 2], ["0", "1", "45627", "45627.5", "-1"])}],
        styles=styles_xml(),
        date1904=True,
    )
    one(
        "31-iso-dates.xlsx",
        "t=d ISO 8601 date cells: 2024-12-01T00:00:00, date only, with time and fraction, with and without a date style",
        worksheet(
            row(1, istr("A1", "When"))
            + row(2, '<c r="A2" t="d"><v>2024-12-01T00:00:00</v></c>')
            + row(3, '<c r="A3" t="d"><v>2024-12-01</v></c>')
            + row(4, '<c r="A4" t="d"><v>2024-12-01T13:45:30.5</v></c>')
            + row(5, '<c r="A5" t="d" s="1"><v>2024-12-01T00:00:00</v></c>')
            + row(6, '<c r="A6" t="d" s="2"><v>2024-12-01T08:00:00Z</v></c>')
            + row(7, '<c r="A7" t="d"><v>13:45:00</v></c>')
        ),
        styles=styles_xml(),
    )
    one(
        "32-styles-no-numfmts.xlsx",
        "styles.xml without <numFmts>, cellXfs with builtin 14 and 0 only",
        worksheet(row(1, istr("A1", "A")) + row(2, n("A2", "45627", 1)) + row(3, n("A3", "45627", 0))),
        styles=styles_xml(xf_formats=[0, 14], custom=[]),
    )


def variants_empty():
    one(
        "33-empty-cells.xlsx",
        'empty cells <c r="B2"/>, <c r="B3"><v/></c>, <c r="B4"><v></v></c>, styled empty <c s="1"/>',
        worksheet(
            row(1, istr("A1", "A"), istr("B1", "B"), istr("C1", "C"))
            + row(2, n("A2", "1"), '<c r="B2"/>', n("C2", "2"))
            + row(3, n("A3", "1"), '<c r="B3"><v/></c>', n("C3", "2"))
            + row(4, n("A4", "1"), '<c r="B4"><v></v></c>', n("C4", "2"))
            + row(5, n("A5", "1"), '<c r="B5" s="1"/>', '<c r="C5" s="1"></c>')
        ),
        styles=styles_xml(),
    )
    one(
        "34-empty-sst-v.xlsx",
        'shared-string cell with empty value <c r="B2" t="s"><v></v></c>',
        worksheet(row(1, istr("A1", "A"), istr("B1", "B")) + row(2, n("A2", "1"), '<c r="B2" t="s"><v></v></c>')),
        sst=[t("zero")],
    )
    one(
        "35-empty-str-v.xlsx",
        'formula-string cell with empty value <c r="B2" t="str"><v></v></c> and <v/>',
        worksheet(
            row(1, istr("A1", "A"), istr("B1", "B"))
            + row(2, n("A2", "1"), '<c r="B2" t="str"><v></v></c>')
            + row(3, n("A3", "1"), '<c r="B3" t="str"><v/></c>')
        ),
    )
    one(
        "36-empty-typed-no-v.xlsx",
        "typed cells with no <v>: t=s, t=b, t=e, t=n, t=str",
        worksheet(
            row(1, istr("A1", "A"))
            + row(2, '<c r="A2" t="s"/>', '<c r="B2" t="b"/>', '<c r="C2" t="e"/>', '<c r="D2" t="n"/>', '<c r="E2" t="str"/>', n("F2", "1"))
        ),
        sst=[t("zero")],
    )
    one(
        "37-empty-rows.xlsx",
        'empty rows <row r="3"/> and <row r="4" spans="1:2"></row> between data rows',
        worksheet(
            row(1, istr("A1", "A"), istr("B1", "B"))
            + row(2, n("A2", "1"), n("B2", "2"))
            + '<row r="3"/>'
            + '<row r="4" spans="1:2"></row>'
            + row(5, n("A5", "3"), n("B5", "4"))
            + '<row r="6"/>'
        ),
    )
    one("38-empty-sheet.xlsx", "empty sheet: <sheetData/>, dimension A1", worksheet(None))
    one(
        "39-only-empty-cells.xlsx",
        "sheet whose only cells are empty or styled-empty",
        worksheet(row(1, '<c r="A1"/>', '<c r="B1" s="1"/>') + row(2, '<c r="A2"><v></v></c>')),
        styles=styles_xml(),
    )


def variants_structure():
    sst = [t(x) for x in BASE_SST]
    pretty = """
  <sheetData>
    <row r="1">
      <c r="A1" t="s">
        <v>0</v>
      </c>
      <c r="B1" t="s">
        <v>1</v>
      </c>
    </row>
    <row r="2">
      <c r="A2" t="s">
        <v>4</v>
      </c>
      <c r="B2">
        <v>299.9</v>
      </c>
    </row>
    <row r="3">
      <c r="A3" t="inlineStr">
        <is>
          <t>Kari</t>
        </is>
      </c>
      <c r="B3">
        <f>B2*2</f>
        <v>599.8</v>
      </c>
    </row>
  </sheetData>
"""
    one(
        "40-pretty-printed.xlsx",
        "pretty-printed sheet XML: newlines and indentation between every element (also inside <c> and <is>)",
        '%s<worksheet xmlns="%s" xmlns:r="%s">\n  <dimension ref="A1:B3"/>%s</worksheet>\n'
        % (XML_DECL, NS_MAIN, NS_R, pretty),
        sst="%s<sst xmlns=\"%s\" count=\"8\" uniqueCount=\"8\">\n%s\n</sst>\n"
        % (XML_DECL, NS_MAIN, "\n".join("  <si>\n    %s\n  </si>" % x for x in sst)),
    )
    single = base_rows().replace('"', "'")
    one(
        "41-single-quotes.xlsx",
        "single-quoted attributes throughout the sheet XML (declaration included)",
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        "<worksheet xmlns='%s' xmlns:r='%s'><dimension ref='A1:D4'/><sheetData>%s</sheetData></worksheet>"
        % (NS_MAIN, NS_R, single),
        sst=sst,
    )
    # the worksheet root needs the x14ac and mc namespaces for x14ac:dyDescent
    fix_root = (
        ' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
        ' xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
        ' mc:Ignorable="x14ac"'
    )
    one(
        "42-extra-attributes.xlsx",
        "extra attributes on rows (spans ht customHeight x14ac:dyDescent hidden) and cells (cm vm ph s)",
        worksheet(
            '<row r="1" spans="1:3" ht="15" customHeight="1" x14ac:dyDescent="0.25">%s%s%s</row>'
            % (s("A1", 0, ' ph="1"'), s("B1", 1), s("C1", 2))
            + '<row r="2" spans="1:3" x14ac:dyDescent="0.25" hidden="0">%s%s%s</row>'
            % (s("A2", 4, ' cm="1"'), '<c r="B2" vm="1"><v>299.9</v></c>', '<c r="C2" s="0" t="s" ph="1" cm="1" vm="1"><v>6</v></c>')
            + '<row r="3" spans="1:3" ht="20.25" customHeight="1" thickBot="1" outlineLevel="1">%s%s</row>'
            % (s("A3", 5), '<c r="B3" t="n" cm="1"><v>-12.5</v></c>'),
            dim="A1:C3",
            root_attrs=fix_root,
        ),
        sst=sst,
        styles=styles_xml(),
    )
    one(
        "43-cells-without-r.xlsx",
        "cells without an r attribute (rows have r); one row mixes ref-less and ref'd cells",
        worksheet(
            '<row r="1"><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c></row>'
            '<row r="2"><c t="s"><v>4</v></c><c><v>299.9</v></c><c t="s"><v>6</v></c></row>'
            '<row r="3"><c r="B3"><v>1</v></c><c><v>2</v></c><c t="inlineStr"><is><t>x</t></is></c></row>',
            dim="A1:D3",
        ),
        sst=sst,
    )
    one(
        "44-rows-without-r.xlsx",
        "rows without an r attribute (cells have r)",
        worksheet(
            "<row>%s%s</row><row>%s%s</row><row>%s%s</row>"
            % (s("A1", 0), s("B1", 1), s("A2", 4), n("B2", "299.9"), s("A3", 5), n("B3", "-12.5")),
            dim="A1:B3",
        ),
        sst=sst,
    )
    one(
        "45-rows-and-cells-without-r.xlsx",
        "neither rows nor cells have r attributes",
        worksheet(
            '<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row>'
            '<row><c t="s"><v>4</v></c><c><v>299.9</v></c></row>'
            "<row/>"
            '<row><c t="s"><v>5</v></c><c><v>-12.5</v></c></row>',
            dim="A1:B4",
        ),
        sst=sst,
    )
    one(
        "46-rows-out-of-order.xlsx",
        "row 5 written before row 3",
        worksheet(
            row(1, s("A1", 0), s("B1", 1))
            + row(2, s("A2", 4), n("B2", "1"))
            + row(5, s("A5", 5), n("B5", "5"))
            + row(3, s("A3", 7), n("B3", "3"))
        ),
        sst=sst,
    )
    one(
        "47-duplicate-row.xlsx",
        'two <row r="2"> elements (different cells, then the same cell again)',
        worksheet(
            row(1, s("A1", 0), s("B1", 1), s("C1", 2))
            + row(2, s("A2", 4), n("B2", "1"))
            + row(2, n("C2", "2"))
            + row(3, s("A3", 5), n("B3", "3"))
            + row(3, n("B3", "33"))
        ),
        sst=sst,
    )
    one(
        "48-cells-out-of-order.xlsx",
        "cells of one row out of column order (C2, A2, B2) and a repeated cell ref in a row",
        worksheet(
            row(1, s("A1", 0), s("B1", 1), s("C1", 2))
            + row(2, n("C2", "3"), s("A2", 4), n("B2", "2"))
            + row(3, s("A3", 5), n("B3", "1"), n("B3", "2"))
        ),
        sst=sst,
    )
    one(
        "49-cell-row-mismatch.xlsx",
        'cell whose r row disagrees with its <row r>: <row r="2"><c r="A5">',
        worksheet(
            row(1, s("A1", 0), s("B1", 1))
            + row(2, s("A5", 4), n("B2", "1"))
            + row(3, s("A3", 5), n("B3", "3"))
        ),
        sst=sst,
    )
    one(
        "50-lowercase-refs.xlsx",
        "lowercase cell refs (a2, b2) and dimension",
        worksheet(
            '<row r="1"><c r="a1" t="s"><v>0</v></c><c r="b1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="a2" t="s"><v>4</v></c><c r="b2"><v>299.9</v></c></row>'
            '<row r="3"><c r="A3" t="s"><v>5</v></c><c r="b3"><v>1</v></c></row>',
            dim="a1:b3",
        ),
        sst=sst,
    )
    one(
        "51-xml-comments.xlsx",
        "XML comments inside sheetData, inside a row, inside a cell, and a processing instruction",
        worksheet(
            "<!-- before rows -->"
            + row(1, s("A1", 0), "<!-- between cells -->", s("B1", 1))
            + "<!-- between rows -->"
            + '<row r="2"><c r="A2" t="s"><!-- in cell --><v>4</v></c><c r="B2"><v>299.9</v><!-- after v --></c></row>'
            + "<?pi data?>"
            + row(3, s("A3", 5), n("B3", "1")),
            dim="A1:B3",
        ),
        sst=sst,
    )
    px = base_rows()
    px = re.sub(r"<(/?)(row|c|v|is|t|f)([ >/])", r"<\1x:\2\3", px)
    one(
        "52-ns-prefixed-sheet.xlsx",
        "namespace-prefixed SpreadsheetML sheet: <x:worksheet xmlns:x=..>, <x:row>, <x:c>, <x:v>",
        '%s<x:worksheet xmlns:x="%s" xmlns:r="%s"><x:dimension ref="A1:D4"/><x:sheetData>%s</x:sheetData></x:worksheet>'
        % (XML_DECL, NS_MAIN, NS_R, px),
        sst=sst,
    )
    psst = sst_xml(sst).replace("<sst ", "<x:sst ").replace("</sst>", "</x:sst>")
    psst = psst.replace('xmlns="%s"' % NS_MAIN, 'xmlns:x="%s"' % NS_MAIN)
    psst = re.sub(r"<(/?)(si|t)([ >/])", r"<\1x:\2\3", psst)
    one(
        "53-ns-prefixed-sst.xlsx",
        "namespace-prefixed sharedStrings (<x:sst><x:si><x:t>) with a normal sheet",
        worksheet(base_rows()),
        sst=psst,
    )
    one("54-no-dimension.xlsx", "no <dimension> element", worksheet(base_rows(), dim=False), sst=sst)
    one("55-dimension-a1.xlsx", 'dimension ref="A1" although data spans A1:D4', worksheet(base_rows(), dim="A1"), sst=sst)
    one(
        "56-dimension-larger.xlsx",
        'dimension ref="A1:H50" larger than the data (A1:D4)',
        worksheet(base_rows(), dim="A1:H50"),
        sst=sst,
    )
    one(
        "57-dimension-offset.xlsx",
        'data starting at C3 with dimension ref="C3:E5" (no cells in rows 1-2 or columns A-B)',
        worksheet(
            row(3, s("C3", 0), s("D3", 1))
            + row(4, s("C4", 4), n("D4", "299.9"), n("E4", "1"))
            + row(5, s("C5", 5), n("D5", "-12.5"))
        ),
        sst=sst,
    )
    one(
        "58-dimension-after-sheetviews.xlsx",
        "<dimension> written after <sheetViews>",
        worksheet(
            base_rows(),
            dim=False,
            before='<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews><dimension ref="A1:D4"/>',
        ),
        sst=sst,
    )
    one(
        "59-surrounding-elements.xlsx",
        "<sheetPr>, <sheetViews> with <selection>, <sheetFormatPr> and <cols> before sheetData; "
        "<mergeCells>, <conditionalFormatting>, <pageMargins>, <pageSetup> after",
        worksheet(
            base_rows(),
            before='<sheetViews><sheetView workbookViewId="0"><selection activeCell="B2" sqref="B2"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            '<cols><col min="1" max="1" width="20" customWidth="1"/><col min="2" max="4" width="12"/></cols>',
            after='<mergeCells count="1"><mergeCell ref="C2:D2"/></mergeCells>'
            '<conditionalFormatting sqref="B2:B4"><cfRule type="cellIs" dxfId="0" priority="1" operator="lessThan">'
            "<formula>0</formula></cfRule></conditionalFormatting>"
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            '<pageSetup paperSize="9" orientation="portrait"/>',
        ),
        sst=sst,
    )
    one(
        "60-sheetpr-first.xlsx",
        "<sheetPr> with <tabColor> and <outlinePr> before <dimension>",
        worksheet(
            base_rows(),
            dim=False,
            before='<sheetPr><tabColor rgb="FF00B050"/><outlinePr summaryBelow="0"/></sheetPr><dimension ref="A1:D4"/>',
        ),
        sst=sst,
    )


def variants_package():
    sst = [t(x) for x in BASE_SST]
    second = worksheet(
        row(1, istr("A1", "Second"), istr("B1", "Value"))
        + row(2, istr("A2", "from sheet 2"), n("B2", "2.5"))
    )
    package(
        "61-second-sheet.xlsx",
        "two sheets; the test reads the second one by name",
        [{"name": "First", "xml": worksheet(base_rows())}, {"name": "Second", "xml": second}],
        sst=sst,
        read="Second",
    )
    package(
        "62-second-sheet-first.xlsx",
        "two sheets; the test reads the first one (no name given)",
        [{"name": "First", "xml": worksheet(base_rows())}, {"name": "Second", "xml": second}],
        sst=sst,
    )
    package(
        "63-sheet-name-amp.xlsx",
        "sheet named 'Fakturaer &amp; kreditnotaer' in workbook.xml, read by its unescaped name",
        [{"name": "Other", "xml": second}, {"name": "Fakturaer &amp; kreditnotaer", "xml": worksheet(base_rows())}],
        sst=sst,
        read="Fakturaer & kreditnotaer",
    )
    package(
        "64-sheet-name-unicode.xlsx",
        "sheet named 'Blåbær \"Ø\" 2026' (entity &quot; and raw UTF-8), read by name",
        [{"name": "Other", "xml": second}, {"name": "Blåbær &quot;Ø&quot; 2026", "xml": worksheet(base_rows())}],
        sst=sst,
        read='Blåbær "Ø" 2026',
    )
    package(
        "65-workbook-nonstandard-path.xlsx",
        "workbook part at /xl/wb.xml (_rels/.rels target absolute), rels in xl/_rels/wb.xml.rels",
        [{"name": "Sheet1", "xml": worksheet(base_rows())}],
        sst=sst,
        workbook_path="xl/wb.xml",
        office_target="/xl/wb.xml",
    )
    package(
        "66-entry-name-case.xlsx",
        "zip entry xl/worksheets/Sheet1.xml while the rels target worksheets/sheet1.xml",
        [{"name": "Sheet1", "xml": worksheet(base_rows()), "entry": "xl/worksheets/Sheet1.xml"}],
        sst=sst,
    )
    package(
        "67-absolute-sheet-target.xlsx",
        "sheet target given as absolute path /xl/worksheets/sheet1.xml",
        [{"name": "Sheet1", "xml": worksheet(base_rows()), "target": "/xl/worksheets/sheet1.xml"}],
        sst=sst,
    )
    package(
        "68-sheet-target-elsewhere.xlsx",
        "sheet part at a non-standard name: target sheets/data.xml",
        [{"name": "Sheet1", "xml": worksheet(base_rows()), "target": "sheets/data.xml"}],
        sst=sst,
    )
    one(
        "69-no-shared-strings.xlsx",
        "no sharedStrings.xml at all: inline strings, numbers, a t=str formula",
        worksheet(
            row(1, istr("A1", "Name"), istr("B1", "Amount"))
            + row(2, istr("A2", "Ola"), n("B2", "299.9"))
            + row(3, '<c r="A3" t="str"><f>"Kari"</f><v>Kari</v></c>', n("B3", "-12.5"))
        ),
    )
    one(
        "70-no-styles-with-s.xlsx",
        "no styles.xml but cells carry s=1 and s=3",
        worksheet(
            row(1, istr("A1", "A"), istr("B1", "B"))
            + row(2, n("A2", "45627", 1), n("B2", "45627.5", 3))
            + row(3, '<c r="A3" s="1" t="s"><v>4</v></c>', n("B3", "1", 1))
        ),
        sst=sst,
    )
    package(
        "71-sst-count-wrong.xlsx",
        "sharedStrings count/uniqueCount attributes that disagree with the <si> elements",
        [{"name": "Sheet1", "xml": worksheet(base_rows())}],
        sst=sst_xml(sst, count=3).replace('uniqueCount="8"', 'uniqueCount="2"'),
    )


# ---------------------------------------------------------------------------------
# Big ones
# ---------------------------------------------------------------------------------

WORDS = [
    "faktura", "kunde", "beløp", "Blåbær", "øl", "ære", "AS", "ASA", "Oslo", "Tromsø",
    "&amp;", "&lt;x&gt;", "&quot;q&quot;", "snø☃", "smil😀", "ÆØÅ", "line", "merchant",
    "_x000D_", "0047", "123,45", "-0.5", "kr", "NOK", "SEK", "EUR", "ref", "id",
]


def words(rng, approx_len):
    """Text (already XML-escaped) of about approx_len characters."""
    out, size = [], 0
    while size < approx_len:
        w = rng.choice(WORDS)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)


def variants_big():
    rng = random.Random(20261101)
    strings = ["Name", "Amount", "Date", "Note", "Code", "Customer", "Flag", "Extra"]
    for i in range(2000):
        strings.append(words(rng, rng.randint(3, 40)))
    sst_items = ["<t>%s</t>" % x if x == x.strip() else '<t xml:space="preserve">%s</t>' % x for x in strings]
    rows = [row(1, *(s("%s1" % col(j), j) for j in range(8)))]
    for r in range(2, 30002):
        cells = [
            s("A%d" % r, rng.randrange(8, len(strings))),
            n("B%d" % r, "%.2f" % (rng.randint(-100000, 10000000) / 100)),
            n("C%d" % r, rng.randint(45000, 46000)),
            '<c r="D%d" t="inlineStr"><is><t>%s</t></is></c>' % (r, words(rng, rng.randint(1, 30))),
            n("E%d" % r, rng.choice(["0.1", "1e3", "1.5E-2", "007", "12345678901234567", "-0", str(rng.random())])),
            s("F%d" % r, rng.randrange(8, len(strings))),
        ]
        k = rng.random()
        if k < 0.1:
            cells.append('<c r="G%d" t="b"><v>%d</v></c>' % (r, rng.randint(0, 1)))
        elif k < 0.2:
            cells.append('<c r="G%d" t="str"><f>A%d</f><v>%s</v></c>' % (r, r, words(rng, 10)))
        elif k < 0.3:
            pass  # absent cell
        else:
            cells.append(n("G%d" % r, rng.randint(0, 999999)))
        cells.append(s("H%d" % r, rng.randrange(0, len(strings))))
        rows.append(row(r, *cells, attrs=' spans="1:8"'))
    one(
        "72-big-30k-rows.xlsx",
        "30,000 data rows x 8 cells: shared strings, numbers, inline strings, booleans, str formulas, gaps; "
        "UTF-8 and entities crossing buffer boundaries",
        worksheet("".join(rows)),
        sst=sst_items,
    )
    rng = random.Random(3000000)
    big = words(rng, 3 * 1024 * 1024)
    one(
        "73-big-inline-3mb.xlsx",
        "one inline string of about 3 MB (entities, multi-byte UTF-8, _x000D_) between small cells",
        worksheet(
            row(1, istr("A1", "Before"), istr("B1", "Big"), istr("C1", "After"))
            + row(2, n("A2", "1"), '<c r="B2" t="inlineStr"><is><t>%s</t></is></c>' % big, n("C2", "2"))
            + row(3, n("A3", "3"), istr("B3", "small"), n("C3", "4"))
        ),
    )
    rng = random.Random(3000001)
    big = words(rng, 3 * 1024 * 1024)
    one(
        "74-big-sst-3mb.xlsx",
        "one shared string of about 3 MB between small shared strings",
        worksheet(
            row(1, s("A1", 0), s("B1", 1), s("C1", 2))
            + row(2, n("A2", "1"), s("B2", 3), n("C2", "2"))
            + row(3, s("A3", 4), s("B3", 3), s("C3", 0))
        ),
        sst=["<t>Before</t>", "<t>Big</t>", "<t>After</t>", "<t>%s</t>" % big, "<t>small</t>"],
    )


# ---------------------------------------------------------------------------------
# Broken ones and odd values
# ---------------------------------------------------------------------------------


def variants_broken():
    sst = [t(x) for x in BASE_SST]

    def broken(fname, note, cell, malformed=False, raw=None):
        xml = raw or worksheet(
            row(1, s("A1", 0), s("B1", 1)) + row(2, s("A2", 4), n("B2", "1")) + row(3, s("A3", 5), cell),
            dim="A1:B3",
        )
        one(fname, note, xml, sst=sst, malformed=malformed)

    broken("75-bad-sst-index.xlsx", "shared-string index 8 beyond the 8-entry table", s("B3", 8))
    broken("76-bad-sst-index-huge.xlsx", "shared-string index 99999999999999999999 (overflows u64)", s("B3", "99999999999999999999"))
    broken("77-bad-sst-text.xlsx", 't="s" with <v>abc</v>', '<c r="B3" t="s"><v>abc</v></c>')
    broken("78-bad-sst-negative.xlsx", 't="s" with <v>-1</v>', '<c r="B3" t="s"><v>-1</v></c>')
    broken("79-bad-number-text.xlsx", 't="n" with <v>abc</v>', '<c r="B3" t="n"><v>abc</v></c>')
    broken("80-bad-number-untyped-text.xlsx", "no t attribute with <v>abc</v>", '<c r="B3"><v>abc</v></c>')
    broken("81-bad-bool-2.xlsx", 't="b" with <v>2</v>', '<c r="B3" t="b"><v>2</v></c>')
    broken("82-bad-error-bogus.xlsx", 't="e" with <v>#BOGUS</v>', '<c r="B3" t="e"><v>#BOGUS</v></c>')
    broken("83-bad-type-zz.xlsx", 'unknown cell type t="zz"', '<c r="B3" t="zz"><v>1</v></c>')
    broken("84-bad-unknown-child.xlsx", "a <c> containing an unknown child <foo/> before <v>", '<c r="B3"><foo/><v>1</v></c>')
    broken("85-bad-ref-1a.xlsx", 'cell ref r="1A"', '<c r="1A"><v>1</v></c>')
    broken("86-bad-ref-a0.xlsx", 'cell ref r="A0"', '<c r="A0"><v>1</v></c>')
    broken("87-bad-ref-empty.xlsx", 'cell ref r=""', '<c r=""><v>1</v></c>')
    broken("88-bad-row-r-text.xlsx", 'row r="x"', "", raw=worksheet(
        row(1, s("A1", 0)) + '<row r="x"><c><v>1</v></c></row>', dim="A1:A2"))
    full = worksheet(
        row(1, s("A1", 0), s("B1", 1))
        + row(2, s("A2", 4), n("B2", "299.9"))
        + row(3, s("A3", 5), n("B3", "-12.5"))
        + row(4, s("A4", 7), n("B4", "1"))
    )
    cut = full.index('<c r="B3">') + len('<c r="B3"><v>-12')
    broken(
        "89-bad-truncated-sheet.xlsx",
        "sheet XML cut off in the middle of row 3 (valid zip, XML ends inside <v>)",
        "",
        malformed=True,
        raw=full[:cut],
    )
    cut = full.index("</sheetData>")
    broken(
        "90-bad-truncated-after-rows.xlsx",
        "sheet XML ends after the last </row> (no </sheetData></worksheet>)",
        "",
        malformed=True,
        raw=full[:cut],
    )
    one(
        "91-bad-sst-malformed.xlsx",
        "sharedStrings.xml not well-formed (unclosed <t>)",
        worksheet(row(1, s("A1", 0)) + row(2, s("A2", 1))),
        sst='%s<sst xmlns="%s" count="2" uniqueCount="2"><si><t>ok</t></si><si><t>broken</si></sst>' % (XML_DECL, NS_MAIN),
        malformed=True,
    )
    one(
        "92-bad-entity.xlsx",
        "undefined entity &nbsp; in an inline string",
        worksheet(row(1, istr("A1", "A")) + row(2, '<c r="A2" t="inlineStr"><is><t>a&nbsp;b</t></is></c>')),
        malformed=True,
    )

    def odd(fname, note, cell):
        one(
            fname,
            note,
            worksheet(row(1, istr("A1", "A"), istr("B1", "B")) + row(2, n("A2", "1"), cell), dim="A1:B2"),
        )

    odd("93-number-spaces-typed.xlsx", 't="n" with <v> 12 </v>', '<c r="B2" t="n"><v> 12 </v></c>')
    odd("94-number-spaces-untyped.xlsx", "no t attribute with <v> 12 </v>", '<c r="B2"><v> 12 </v></c>')
    odd("95-number-charref-typed.xlsx", 't="n" with <v>12&#48;</v>', '<c r="B2" t="n"><v>12&#48;</v></c>')
    odd("96-number-charref-untyped.xlsx", "no t attribute with <v>12&#48;</v>", '<c r="B2"><v>12&#48;</v></c>')
    odd("97-number-special.xlsx", "numbers NaN / inf as <v> text", '<c r="B2"><v>inf</v></c>')
    odd("98-number-plus-sign.xlsx", "numbers with a plus sign and a leading dot: <v>+5</v> (B2), .5 in C2",
        '<c r="B2"><v>+5</v></c><c r="C2"><v>.5</v></c>')


def check():
    """Every file is a readable zip; every XML part is well-formed unless the variant is
    deliberately malformed (then at least one part must fail to parse)."""
    import xml.etree.ElementTree as ET

    for fname, _, _ in MANIFEST:
        with zipfile.ZipFile(os.path.join(HERE, fname)) as zf:
            assert zf.testzip() is None, fname
            bad = []
            for name in zf.namelist():
                if name.endswith(".xml") or name.endswith(".rels"):
                    try:
                        ET.fromstring(zf.read(name))
                    except ET.ParseError:
                        bad.append(name)
            if fname in MALFORMED:
                assert bad, "%s should have a malformed part" % fname
            else:
                assert not bad, "%s: malformed %s" % (fname, bad)


def main():
    for old in os.listdir(HERE):
        if old.endswith(".xlsx"):
            os.remove(os.path.join(HERE, old))
    variants_strings()
    variants_inline()
    variants_formulas()
    variants_bool_error()
    variants_dates()
    variants_empty()
    variants_structure()
    variants_package()
    variants_big()
    variants_broken()
    names = [m[0] for m in MANIFEST]
    assert len(names) == len(set(names)), "duplicate file names"
    assert all(re.match(r"^\d\d-[a-z0-9-]+\.xlsx$", x) for x in names), names
    with open(os.path.join(HERE, "VARIANTS.tsv"), "w", encoding="utf-8", newline="\n") as f:
        for fname, sheet, note in sorted(MANIFEST):
            assert "\t" not in note and "\n" not in note
            f.write("%s\t%s\t%s\n" % (fname, sheet, note))
    check()
    print("wrote %d workbooks and VARIANTS.tsv to %s" % (len(MANIFEST), HERE))


if __name__ == "__main__":
    main()
