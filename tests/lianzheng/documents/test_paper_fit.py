"""Paper fit for filing (GB/T 9704 practice), read back with poppler as a clerk would see it: no
signature block or date alone at the top of a page, records numbered 「第x页 共y页」, the notice
and its receipt slip on one page, titles in a serif face. Built from plain data: no database."""

from __future__ import annotations

import pytest

from lianzheng.documents import case_documents as docs
from lianzheng.documents.fonts import load_fonts
from lianzheng.selectors import documents as ctx
from tests.lianzheng.documents.conftest import pdffonts, poppler_pages
from tests.pdfcheck import reader

HEADER = ctx.CaseHeader(
    number="阿州住建廉约〔2026〕3号",
    talk_type="诫勉约谈",
    talk_type_code="admonition",
    regulation_title="《阿坝州住房和城乡建设局廉政约谈制度（试行）》",
    grounds=(),
    problems="项目审批中存在吃拿卡要苗头。",
    purpose="",
    state="整改中",
)
QIN = ctx.PersonLine("秦岭", "松潘县住房和城乡建设局", "局长")
INTERVIEWERS = (
    ctx.PersonLine("王建国", "阿坝州住房和城乡建设局", "局长"),
    ctx.PersonLine("孙丽", "办公室", "办公室主任"),
    ctx.PersonLine("周敏", "办公室", "纪检专干"),
)
SIGNATURE_LINES = ("约谈对象确认", "约谈对象（签字）", "约谈人（签字）", "记录人（签字）")
SENTENCE = "本人如实陈述有关情况，诚恳接受组织的批评和帮助，今后严格遵守廉洁纪律。"


@pytest.fixture(scope="module")
def fonts():
    return load_fonts()


def record(statement: str, *, short: bool = False) -> ctx.RecordData:
    """A record whose statement is ``statement``; ``short``: its only section."""
    sections = (
        ("约谈内容", "谈话人通报了有关情况，指出存在的问题，约谈对象作了说明。"),
        ("原因分析", "问题的原因在于思想重视不够、制度执行不严。"),
        ("整改防范措施", "加强学习，完善制度，建立台账，按期整改。"),
    )
    return ctx.RecordData(
        case=HEADER,
        subject=QIN,
        held_at="2026年12月3日（星期四）上午10时",
        held_on="2026年12月3日",
        place="局机关三楼会议室",
        interviewers=INTERVIEWERS,
        lead="王建国",
        recorded_by=ctx.PersonLine("郑干事", "办公室", "科员"),
        sections=(() if short else sections) + (("约谈对象陈述", statement),),
        commitment="",
        new_post="",
    )


def notice(content: str = "请按时参加廉政约谈，并就有关情况作出说明。") -> ctx.NoticeData:
    return ctx.NoticeData(
        case=HEADER,
        subject=QIN,
        interviewers="王建国",
        scheduled="2026年12月3日（星期四）上午10时",
        place="局机关三楼会议室",
        content=content,
        written_on="2026年11月30日",
        contact="局办公室 孙丽",
        contact_phone="0837-2822123",
        short_notice=False,
        phone_notified="",
    )


def lines(page: str) -> list[str]:
    return [line.strip() for line in page.splitlines() if line.strip()]


def first_line(page: str) -> str:
    return lines(page)[0]


def font_drawing(pdf: bytes, text: str) -> str:
    """The base font of the text piece that draws ``text`` on the first page."""
    found = []

    def visit(piece, _cm, _tm, font, _size):
        if text in piece and font is not None:
            found.append(str(font.get("/BaseFont")))

    reader(pdf).pages[0].extract_text(visitor_text=visit)
    assert found, f"{text} not drawn"
    return found[0]


class TestSignaturesAndDatesStayWithTheirText:
    def test_the_records_signature_block_never_opens_a_page_alone(self, fonts):
        """The statement grows a sentence at a time through the page's end: wherever the page
        breaks, the last page starts with the statement, the block signing for it after."""
        broke = 0
        for sentences in range(1, 16):
            pdf = docs.render(docs.record_story(record(SENTENCE * sentences), fonts), "t", fonts)
            pages = poppler_pages(pdf)
            if len(pages) < 2:
                continue
            broke += 1
            last = first_line(pages[-1])
            assert not last.startswith(SIGNATURE_LINES), (sentences, last)
            assert last in SENTENCE * sentences or "约谈对象陈述" in last, (sentences, last)
            assert "约谈对象（签字）" in pages[-1]
        assert broke >= 3  # the range did run the block across the page's end

    def test_the_issuer_and_date_never_open_a_page_alone(self, fonts):
        """整改情况 with more and more checks: its 落款 and date always follow some text."""
        check = ctx.CheckLine("2026年12月4日", "已按要求整改到位，台账完整。", "已整改", "孙丽")
        broke = 0
        for count in range(1, 12):
            item = ctx.ItemLine(
                "全面清理在办审批事项", "2027年1月4日", "秦岭", "整改中", (check,) * count
            )
            data = ctx.RectificationData(HEADER, (QIN,), (item,), "2026年12月5日")
            pages = poppler_pages(
                docs.render(docs.rectification_report_story(data, fonts), "t", fonts)
            )
            if len(pages) < 2:
                continue
            broke += 1
            last = first_line(pages[-1])
            assert not last.startswith((ctx.OFFICE, "2026年12月5日")), (count, last)
            assert ctx.OFFICE in pages[-1]
        assert broke >= 3

    def test_records_say_page_x_of_y(self, fonts):
        pdf = docs.render(docs.record_story(record(SENTENCE * 12), fonts), "t", fonts, counted=True)
        pages = poppler_pages(pdf)
        assert len(pages) == 2
        assert "第1页 共2页" in pages[0] and "第2页 共2页" in pages[1]

    def test_notices_keep_the_official_page_number(self, fonts):
        pdf = docs.render(docs.notice_story(notice(), fonts), "t", fonts)
        assert "— 1 —" in poppler_pages(pdf)[0] and "共" not in poppler_pages(pdf)[0]


class TestTheNotice:
    def test_with_ordinary_content_it_and_its_receipt_fit_one_page(self, fonts):
        pdf = docs.render(docs.notice_story(notice(), fonts), "t", fonts)
        pages = poppler_pages(pdf)
        assert len(pages) == 1
        text = pages[0]
        assert "沿此线剪下" in text and "送达回执" in text
        for blank in ("当面送达", "邮寄", "电子送达", "送达时间", "受送达人签收", "送达人："):
            assert blank in text, blank
        # The slip is the page's foot: below the sign-off, cut off along the line.
        assert text.index(ctx.OFFICE) < text.index("沿此线剪下") < text.index("送达回执")

    def test_longer_content_goes_on_and_the_receipt_closes_the_last_page(self, fonts):
        content = "\n".join(["请就项目审批中存在的问题逐项作出说明，并提交书面材料。"] * 6)
        pdf = docs.render(docs.notice_story(notice(content), fonts), "t", fonts)
        pages = poppler_pages(pdf)
        assert len(pages) == 2
        assert "送达回执" in pages[-1] and "送达回执" not in pages[0]
        assert "".join(pages).count("请就项目审批中存在的问题") == 6


class TestTheTitleFace:
    def test_titles_are_set_in_the_serif_face_embedded_as_truetype(self, fonts):
        pdf = docs.render(docs.record_story(record(SENTENCE), fonts), "t", fonts)
        assert "NotoSerifCJKsc-Bold" in font_drawing(pdf, "廉政约谈记录")
        assert pdffonts(pdf)["NotoSerifCJKsc-Bold"] == ("TrueType", True)
        assert "WenQuanYiZenHei" not in font_drawing(pdf, "廉政约谈记录")

    def test_a_configured_licensed_face_still_wins(self, settings):
        """LIANZHENG_PDF_FONTS names the bureau's own 小标宋; here AR PL UMing plays it."""
        settings.LIANZHENG_PDF_FONTS = {
            "xiaobiaosong": "/usr/share/fonts/truetype/arphic/uming.ttc#0"
        }
        mine = load_fonts()
        pdf = docs.render(docs.record_story(record(SENTENCE), mine), "t", mine)
        assert "UMingCN" in font_drawing(pdf, "廉政约谈记录")


class TestNamesAndNumbersAreNotCut:
    def test_a_name_at_the_end_of_a_line_moves_down_whole(self, fonts):
        """25 characters fill the first line after its indent: 秦岭 would straddle it."""
        statement = "约" * 24 + "秦岭同志表示接受组织的批评和帮助。"
        pdf = docs.render(docs.record_story(record(statement, short=True), fonts), "t", fonts)
        text_lines = lines(poppler_pages(pdf)[0])
        assert any(line.startswith("秦岭同志") for line in text_lines), text_lines
        assert not any(line.endswith("秦") for line in text_lines)

    def test_a_document_number_and_a_date_stay_on_one_line(self, fonts):
        statement = (
            "约" * 20 + "阿州住建廉约〔2026〕3号所列问题已于" + "约" * 11 + "2026年12月5日前整改。"
        )
        pdf = docs.render(docs.record_story(record(statement, short=True), fonts), "t", fonts)
        text = "\n".join(lines(poppler_pages(pdf)[0]))
        assert "阿州住建廉约〔2026〕3号" in text
        assert "2026年12月5日" in text
