"""The credit report as a PDF: the printed file (grade and edition, events with their status, list
entries, objections and repairs), an appendix with each leaf's index, hash and inclusion proof against
the signed tree head, and the same data as a machine-readable attachment ``credit-report.json`` (a
PDF embedded file, shown by any PDF reader's attachments pane) for the stand-alone verifier.

Chinese text uses reportlab's built-in CID font ``STSong-Light`` (as the rental contract does): no font
file, the text stays extractable. :func:`attachment` reads the JSON back from a report.
"""

from __future__ import annotations

import io
import json
import re
import zlib
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFString, PDFZCompress
from reportlab.pdfgen.canvas import Canvas

from anju.credit import domain
from anju.credit.labels import rule_title, source_label
from anju.credit.report import Report

FONT = "STSong-Light"
MONO = "Courier"
MARGIN = 50.0
ATTACHMENT = "credit-report.json"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


class _Writer:
    def __init__(self, c: Canvas) -> None:
        self.c = c
        self.width, self.height = A4
        self.y = self.height - MARGIN
        self.page = 1

    def _room(self, need: float) -> None:
        if self.y - need < MARGIN:
            self.footer()
            self.c.showPage()
            self.page += 1
            self.y = self.height - MARGIN

    def footer(self) -> None:
        self.c.setFont(_font(), 8)
        self.c.drawCentredString(self.width / 2, MARGIN / 2, f"第 {self.page} 页")

    def title(self, text: str) -> None:
        self._room(30)
        self.c.setFont(_font(), 18)
        self.c.drawCentredString(self.width / 2, self.y, text)
        self.y -= 30

    def heading(self, text: str) -> None:
        self._room(26)
        self.y -= 4
        self.c.setFont(_font(), 12)
        self.c.drawString(MARGIN, self.y, text)
        self.y -= 18

    def para(self, text: str, size: float = 9.5) -> None:
        per_line = int((self.width - 2 * MARGIN) / size)
        lines = [text[i : i + per_line] for i in range(0, len(text), per_line)] or [""]
        for line in lines:
            self._room(size + 4)
            self.c.setFont(_font(), size)
            self.c.drawString(MARGIN, self.y, line)
            self.y -= size + 4

    def mono(self, text: str, size: float = 7) -> None:
        """ASCII (hashes, proofs) in Courier, wrapped at the page width."""
        per_line = int((self.width - 2 * MARGIN) / (size * 0.6))
        for i in range(0, max(len(text), 1), per_line):
            self._room(size + 3)
            self.c.setFont(MONO, size)
            self.c.drawString(MARGIN + 12, self.y, text[i : i + per_line])
            self.y -= size + 3


def _attach(c: Canvas, name: str, data: bytes, description: str) -> None:
    """Embed ``data`` as the document's attached file ``name`` (PDF 1.7 §7.11.4, EmbeddedFiles)."""
    doc = c._doc
    stream = PDFStream(
        PDFDictionary({"Type": PDFName("EmbeddedFile"), "Params": PDFDictionary({"Size": len(data)})}),
        content=data,
        filters=[PDFZCompress],
    )
    spec = PDFDictionary(
        {
            "Type": PDFName("Filespec"),
            "F": PDFString(name),
            "UF": PDFString(name),
            "Desc": PDFString(description),
            "EF": PDFDictionary({"F": doc.Reference(stream)}),
        }
    )
    names = PDFDictionary({"Names": PDFArray([PDFString(name), doc.Reference(spec)])})
    doc.Catalog.Names = PDFDictionary({"EmbeddedFiles": names})


_EMBEDDED = re.compile(
    rb"<<\s*/Filter \[ /FlateDecode \] /Length (\d+) /Params <<\s*/Size (\d+)\s*>>"
    rb" /Type /EmbeddedFile\s*>>\s*stream\r?\n"
)


def attachment(pdf: bytes) -> bytes:
    """The attached ``credit-report.json`` of a report this module wrote (ValueError when absent)."""
    m = _EMBEDDED.search(pdf)
    if m is None:
        raise ValueError("信用报告中没有机器可读附件")
    start = m.end()
    data = zlib.decompress(pdf[start : start + int(m.group(1))])
    if len(data) != int(m.group(2)):
        raise ValueError("附件长度不符")
    return data


def report_json(rep: Report) -> bytes:
    return json.dumps(rep, ensure_ascii=False, sort_keys=True, indent=1, default=str).encode("utf-8")


def _amount(v: Any) -> str:
    return "" if v is None else str(v)


def render(rep: Report, *, compress: bool = True) -> bytes:
    """The report as PDF bytes, with ``credit-report.json`` attached."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1 if compress else 0)
    c.setTitle("信用报告")
    c.setAuthor("安居 · 房产信用信息库")
    w = _Writer(c)
    w.title("信用报告")
    if rep.get("synthetic"):
        w.para("本报告所含数据为合成数据（synthetic），仅用于演示，不代表任何真实主体的信用状况。")
    who = "企业" if rep["subject_kind"] == "org" else "个人"
    w.para(f"信用主体：{rep['subject_label']}（{who}）")
    w.para(f"报告日期：{rep['generated_on']}")
    g = rep["grade"]
    w.heading("一、信用等级")
    if g is None:
        w.para("尚未评定信用等级。")
    else:
        w.para(
            f"{g['grade_label']}，得分 {g['score_centi'] / 100:.2f}；"
            f"评价标准版本 {g['edition']}，评定日期 {g['as_of']}。"
        )
    w.heading("二、红黑名单")
    if not rep["lists"]:
        w.para("未列入守信红名单或失信黑名单。")
    for le in rep["lists"]:
        w.para(
            f"{le['list_label']}：{le['reason']}（规则：{rule_title(le['rule'])}，"
            f"{le['entered_on']} 列入，版本 {le['edition']}）"
        )
    w.heading("三、信用记录")
    if not rep["events"]:
        w.para("暂无信用记录。")
    elif rep["events_total"] > len(rep["events"]):
        w.para(
            f"共有信用记录 {rep['events_total']} 条，本报告列出最近的 {len(rep['events'])} 条"
            "（全部记录可在“我的信用”页面查阅）。"
        )
    for e in rep["events"]:
        exp = f"，{e['expires_on']} 失效" if e["expires_on"] else ""
        w.para(
            f"[{e['id']}] {e['occurred_on']} {e['kind_label']}（{e['severity_label']}）— {e['status_label']}；"
            f"来源 {source_label(e['source'])}，业务编号 {e['reference']}{exp}；日志序号 {_amount(e['ledger_index'])}"
        )
        a = e["amendment"]
        if a:
            w.para(
                f"    {a['kind_label']}：{a['effective_on']} 起，依据 {a['reference']}；"
                f"日志序号 {_amount(a['ledger_index'])}"
            )
        for cs in e["cases"]:
            kind = "异议" if cs["kind"] == "objection" else "修复申请"
            basis = f"（{domain.REPAIR_BASES.get(cs['basis'] or '', '')}）" if cs["basis"] else ""
            w.para(f"    {kind}{basis} {cs['number']}：{cs['status_label']}，提交于 {str(cs['submitted_at'])[:10]}")
    _appendix(w, rep)
    w.footer()
    _attach(c, ATTACHMENT, report_json(rep), "信用报告（机器可读），含可验证日志的包含证明")
    c.save()
    return buf.getvalue()


def _appendix(w: _Writer, rep: Report) -> None:
    h = rep["head"]
    w.heading("附录：可验证日志包含证明")
    w.para(
        "以下每条记录均写入可验证日志（RFC 9162 默克尔树）。用独立验证程序 verify.py 可核验："
        "先以日志公布的公钥核验签名树头（verify.py head），再对每条记录的日志原文计算叶子哈希，"
        "核验其包含证明（verify.py inclusion）。本报告附件 credit-report.json 含全部原文与证明。",
        9,
    )
    w.para(f"日志 {h['log']}，算法 {h['algorithm']}，树的大小 {h['size']}，签名时间 {h['timestamp']}", 9)
    w.mono(f"root {h['root']}")
    w.mono(f"public_key {h['public_key']}")
    w.mono(f"signature {h['signature']}")
    for p in rep["proofs"]:
        w.para(f"{p['what']} {p['ref']} — 叶子序号 {p['index']}", 8.5)
        w.mono(f"leaf_hash {p['leaf_hash']}")
        w.mono("proof " + (",".join(p["proof"]) or "(empty)"))
    if rep["pending"]:
        w.para(f"另有 {rep['pending']} 条记录在签名树头之后写入日志，将列入下一份报告。", 9)
