"""`anju demo`'s line about the synthetic estate management: Chinese, only the counts that were made."""

from anju.synth.estates import EstatesReport


def test_the_summary_names_the_counts_in_chinese_and_skips_parts_not_made():
    report = EstatesReport({"services": {"companies": 23, "projects": 123}, "owners": {"open_votes": 1}})
    assert report.summary() == "物业服务企业 23 家、物业服务项目 123 个、表决中 1 次"
    assert EstatesReport().summary() == ""
