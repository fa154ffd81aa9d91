"""The documents of a talk case, each laid out as a Chinese official document.

Each ``*_story`` turns the plain data of ``context`` into flowables; ``render`` sets them on the
GB/T 9704 page. They never see a model, so they cannot reach confidential information (R7.4).
"""

from __future__ import annotations

from dataclasses import replace

from reportlab.platypus import Flowable, KeepTogether, Spacer

from lianzheng.documents import layout
from lianzheng.documents.fonts import FontSet
from lianzheng.documents.typeset import CJKParagraph, CutLine, TextStyle, paragraphs
from lianzheng.regulation import chinese_number
from lianzheng.selectors import documents as ctx

SIGN = "＿＿＿＿＿＿＿＿"


class Writer:
    """A story under construction, with the document styles at hand. ``keep``: the names (and
    numbers) no line may cut, 「秦 / 岭」 being no name at all. ``line``: the line spacing, the
    standard's 22 lines a page unless a document must be tighter to fit its page, and ``spacing``
    the blank lines around its title and sign-off likewise."""

    def __init__(
        self,
        fonts: FontSet,
        keep: tuple[str, ...] = (),
        line: float = layout.LINE,
        spacing: float = 1,
    ):
        self.fonts = fonts
        self.keep = tuple(k for k in keep if k)
        self.line = line
        self.spacing = spacing  # the blank lines after the title and before the issuer
        self.story: list[Flowable] = []

    def paragraph(self, runs, style: TextStyle) -> CJKParagraph:
        return CJKParagraph(runs, style, self.fonts, keep=self.keep)

    def body(self, **changes) -> TextStyle:
        return layout.body(**{"leading": self.line, **changes})

    def title(self, text: str) -> None:
        style = layout.title(space_after=self.line * self.spacing)
        self.story.append(self.paragraph(text, replace(style, leading=max(self.line, style.size))))

    def head(self, title: str, number: str) -> None:
        """The document's title with the case number centred under it."""
        self.title(title)
        self.centred(number)
        self.gap(0.5 * self.spacing)

    def sign_off(self, dated: str) -> None:
        """The office as issuer, and the date, right-aligned after a blank line: kept on one page
        with the last lines of the text, never alone at the top of the next."""
        self.closing([self.spacer(self.spacing), self._right(ctx.OFFICE), self._right(dated)])

    def centred(self, text: str) -> None:
        self.story.append(self.paragraph(text, self.body(first_indent=0, align="center")))

    def salutation(self, text: str) -> None:
        self.story.append(self.paragraph(text, self.body(first_indent=0)))

    def para(self, text: str, **style) -> None:
        """User text, one paragraph per line, every character kept."""
        self.story.extend(paragraphs(text, self.body(**style), self.fonts, keep=self.keep))

    def field(self, label: str, value: str) -> None:
        """约谈时间：… — the label in 黑体, the value in the body face, indented two characters."""
        runs = [(f"{label}：", "hei")] + ([(value, None)] if value else [])
        self.story.append(self.paragraph(runs, self.body(keep_with_next=not value)))

    def heading(self, text: str, level: int = 1) -> None:
        self.story.append(self.paragraph(text, layout.heading(level, leading=self.line)))

    def _right(self, text: str) -> CJKParagraph:
        """落款 and dates: right-aligned, four characters in, as GB/T 9704 sets 成文日期."""
        style = self.body(first_indent=0, align="right", right_indent=4 * layout.BODY_SIZE)
        return self.paragraph(text, style)

    def spacer(self, lines: float = 1) -> Spacer:
        return Spacer(1, lines * self.line)

    def gap(self, lines: float = 1) -> None:
        self.story.append(self.spacer(lines))

    def signatures(self, lines: list[str]) -> None:
        """The signature block, on one page and with the last lines of what it signs for."""
        block: list[Flowable] = [self.spacer()]
        for line in lines:
            block.append(self.paragraph(line, self.body(first_indent=0)))
        self.closing(block)

    def closing(self, block: list[Flowable]) -> None:
        """A block that ends the document, kept with the end of the text before it."""
        previous = self.story.pop() if self.story else None
        if isinstance(previous, CJKParagraph):
            self.story.append(layout.KeptWithTail(previous, block))
        else:
            self.story.append(KeepTogether([previous, *block] if previous else block))


def render(
    story: list[Flowable],
    title: str,
    fonts: FontSet,
    subject: str = "",
    *,
    counted=False,
    progress=None,
) -> bytes:
    """The PDF; ``counted`` for records, whose pages say 「第x页 共y页」; ``progress`` as
    ``layout.build_pdf`` calls it."""
    meta = layout.Meta(title=title, subject=subject)
    return layout.build_pdf(story, meta, fonts, count_pages=counted, progress=progress)


def names(*people: ctx.PersonLine | None, more: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The names a document's lines must not cut, and its numbers (文号) likewise."""
    return tuple(p.name for p in people if p is not None) + more


# -- 廉政约谈通知书 -----------------------------------------------------------------------------

# The notice and its receipt slip on one page: the body at 三号 as the standard sets it, its lines
# a little closer than 22 a page, and the requirements (注意事项) and the slip at 四号.
NOTICE_LINE = 23
SMALL_LINE = 22
REQUIREMENTS = (
    "请准时接受约谈，不得借故推诿、拖延；确有特殊原因不能按时参加的，须在约谈前书面申请，"
    "经同意后推后补谈（第八条（一））。",
    "约谈时请如实陈述说明，不得隐瞒、编造、歪曲事实和回避问题（第八条（二））。",
)
PREPARATION = {
    "routine": "请准备汇报本科室落实党风廉政建设责任制情况，本人及其他党员干部廉洁自律的情况"
    "（第四条（一））。",
    "pre_appointment": "请准备就任职后廉洁自律作出书面承诺（第四条（二））。",
    "special": "请准备说明有关情况（第四条（三））。",
    "warning": "请准备说明存在的问题及原因，提出整改措施（第四条（四））。",
    "admonition": "请准备对反映的问题作出说明，分析原因并提出整改措施（第四条（五））。",
}
CUT_HERE = "✂（沿此线剪下）"
RECEIPT_SIZE = 12  # 小四
RECEIPT_LINE = 19


def notice_story(data: ctx.NoticeData, fonts: FontSet) -> list[Flowable]:
    keep = names(data.subject, more=(*data.interviewers.split("、"), data.case.number))
    w = Writer(fonts, keep, line=NOTICE_LINE, spacing=0.5)
    w.head("廉政约谈通知书", data.case.number)
    w.salutation(f"{data.subject.name}同志：")
    w.para(
        f"根据{data.case.regulation_title}，经研究，决定对你进行{data.case.talk_type}。"
        "现将有关事项通知如下："
    )
    w.field("约谈对象", data.subject.described)
    w.field("约谈人", data.interviewers)
    w.field("约谈时间", data.scheduled)
    w.field("约谈地点", data.place)
    content, *more = [line for line in data.content.splitlines() if line.strip()] or [""]
    w.field("约谈内容", content)
    for line in more:
        w.para(line)
    w.field("有关要求", "")
    for number, text in enumerate(
        (PREPARATION.get(data.case.talk_type_code, ""), *REQUIREMENTS), start=1
    ):
        if text:
            w.para(f"{number}．{text}", size=layout.SMALL_SIZE, leading=SMALL_LINE)
    contact = [("联系人：", "hei"), (data.contact, None)]
    if data.contact_phone:
        contact += [("　联系电话：", "hei"), (data.contact_phone, None)]
    w.story.append(w.paragraph(contact, w.body()))
    if data.short_notice:
        w.para("本次约谈经局主要负责人批准，通知时间少于三个工作日（第六条（三））。")
    w.sign_off(data.written_on)
    w.story.append(layout.FootOfPage(receipt(data, w)))
    return w.story


def receipt(data: ctx.NoticeData, w: Writer) -> list[Flowable]:
    """The 送达回执 below a cut line, at the foot of the notice's page: filled in and signed
    when the notice is handed over, then cut off and kept by the office as the proof of its
    delivery (第六条（三））."""
    small = w.body(size=RECEIPT_SIZE, leading=RECEIPT_LINE, first_indent=0)
    blank = "　" * 2
    methods = "　".join(f"□{m}" for m in ctx.delivery_methods())
    lines = [
        [
            ("文号：", "hei"),
            (f"{data.case.number}　", None),
            ("受送达人：", "hei"),
            (data.subject.name, None),
        ],
        [("送达方式：", "hei"), (methods, None)],
        [("送达时间：", "hei"), (f"{blank}　　年{blank}月{blank}日{blank}时{blank}分", None)],
        [("受送达人签收：", "hei"), (f"{SIGN}　", None), ("送达人：", "hei"), (SIGN, None)],
    ]
    return [
        CutLine(CUT_HERE, w.fonts, size=12, space_after=6),
        w.paragraph(
            "廉政约谈通知书送达回执",
            replace(small, role="hei", size=layout.SMALL_SIZE, align="center"),
        ),
        *(w.paragraph(runs, small) for runs in lines),
    ]


# -- 谈话记录 ----------------------------------------------------------------------------------


def _record_names(data: ctx.RecordData) -> tuple[str, ...]:
    return names(
        data.subject, *data.interviewers, data.recorded_by, more=(data.lead, data.case.number)
    )


def record_story(data: ctx.RecordData, fonts: FontSet) -> list[Flowable]:
    w = Writer(fonts, _record_names(data))
    w.head("廉政约谈记录", data.case.number)
    w.field("约谈类型", data.case.talk_type)
    w.field("约谈时间", data.held_at)
    w.field("约谈地点", data.place)
    w.field("约谈对象", data.subject.described)
    w.field("约谈人", "；".join(p.described for p in data.interviewers))
    if data.recorded_by:
        w.field("记录人", data.recorded_by.described)
    for heading, text in data.sections:
        w.field(heading, "")
        w.para(text)
    w.signatures(
        [
            "约谈对象确认以上记录属实。",
            f"约谈对象（签字）：{SIGN}",
            f"约谈人（签字）：{SIGN}　{SIGN}",
            f"记录人（签字）：{SIGN}",
            f"{data.held_on}",
        ]
    )
    return w.story


# -- 廉洁自律承诺书 -----------------------------------------------------------------------------


def commitment_story(data: ctx.RecordData, fonts: FontSet) -> list[Flowable]:
    w = Writer(fonts, _record_names(data))
    w.title("廉洁自律承诺书")
    w.gap(0.5)
    post = f"，拟任{data.new_post}" if data.new_post else ""
    w.para(
        f"本人{data.subject.name}（现任{data.subject.unit}{data.subject.post}{post}），于{data.held_at}"
        f"接受任前廉政约谈。按照“一岗双责”要求，本人郑重承诺："
    )
    w.para(data.commitment)
    w.para("本人自觉接受组织和群众监督，如有违反，愿接受组织处理（第四条（二））。")
    w.signatures([f"承诺人（签字）：{SIGN}", data.held_on])
    return w.story


# -- 整改通知 / 整改情况 -------------------------------------------------------------------------


def _rectification_names(data: ctx.RectificationData) -> tuple[str, ...]:
    people = tuple(item.responsible for item in data.items) + tuple(
        check.checked_by for item in data.items for check in item.checks
    )
    return names(*data.subjects, more=(*people, data.case.number))


def rectification_notice_story(data: ctx.RectificationData, fonts: FontSet) -> list[Flowable]:
    w = Writer(fonts, _rectification_names(data))
    w.head("整改通知", data.case.number)
    w.salutation("、".join(s.name for s in data.subjects) + "同志：")
    w.para(
        f"根据{data.case.regulation_title}第九条，针对{data.case.talk_type}中指出的问题，"
        "请按以下事项和时限认真整改，并在期限届满前向局办公室书面报告整改落实情况。"
        "办公室将对整改落实情况进行监督检查。"
    )
    if data.case.problems:
        w.field("存在的问题", "")
        w.para(data.case.problems)
    for number, item in enumerate(data.items, start=1):
        w.heading(f"{chinese_number(number)}、整改事项", 1)
        w.para(item.description)
        w.field("完成时限", item.deadline)
        w.field("责任人", item.responsible)
    w.para("对措施不到位、整改不力的，将按照有关规定予以责任追究（第九条、第十条）。")
    w.sign_off(data.today)
    return w.story


def rectification_report_story(data: ctx.RectificationData, fonts: FontSet) -> list[Flowable]:
    w = Writer(fonts, _rectification_names(data))
    w.head("整改情况", data.case.number)
    w.field("约谈对象", "；".join(s.described for s in data.subjects))
    w.field("约谈类型", data.case.talk_type)
    _items_section(w, data.items)
    w.sign_off(data.today)
    return w.story


def _items_section(w: Writer, items: tuple[ctx.ItemLine, ...], level: int = 1) -> None:
    for number, item in enumerate(items, start=1):
        label = f"{chinese_number(number)}、" if level == 1 else f"（{chinese_number(number)}）"
        w.heading(f"{label}{item.description}", level)
        w.field("完成时限", item.deadline)
        w.field("责任人", item.responsible)
        w.field("状态", item.status)
        for check in item.checks:
            w.para(
                f"{check.checked_on}　{check.result}　{check.finding}（检查人：{check.checked_by}）"
            )
        if not item.checks:
            w.para("尚无检查记录。")


# -- 个人廉政档案 -------------------------------------------------------------------------------


def integrity_file_story(data: ctx.IntegrityFileData, fonts: FontSet) -> list[Flowable]:
    keep = [data.person.name]
    for filed in data.cases:
        keep += [*filed.interviewers, filed.case.number]
        keep += [i.responsible for i in filed.items]
        keep += [c.checked_by for i in filed.items for c in i.checks]
    w = Writer(fonts, tuple(keep))
    w.title("个人廉政档案")
    w.field("姓名", data.person.name)
    w.field("单位", data.person.unit)
    w.field("职务", data.person.post)
    w.field("职级", data.rank)
    w.field("建档日期", data.today)
    if not data.cases:
        w.para("暂无廉政约谈记录。")
    for number, filed in enumerate(data.cases, start=1):
        case = filed.case
        w.heading(f"{chinese_number(number)}、{case.number}　{case.talk_type}", 1)
        w.field("提出日期", filed.proposed_on)
        w.field("办理状态", case.state)
        if case.grounds:
            w.field("约谈情形", "；".join(case.grounds))
        if case.problems:
            w.field("指出的问题", case.problems)
        w.field("约谈人", "、".join(filed.interviewers))
        w.field("约谈时间", filed.held)
        if filed.record:
            for heading, text in filed.record.sections:
                w.field(heading, "")
                w.para(text)
        if filed.items:
            w.field("整改情况", "")
            _items_section(w, filed.items, level=2)
        if filed.escalation:
            w.field("责任追究", filed.escalation)
        if filed.closed_on:
            w.field("办结归档", filed.closed_on)
    return w.story
