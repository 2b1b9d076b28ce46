"""The health indicators the computation offers (:mod:`anju.market.indicators` computes them; an
edition of the health model uses a subset), with a short Chinese name."""

#: The indicator codes the computation offers (an edition uses a subset), with a short Chinese name.
INDICATORS: dict[str, str] = {
    "new_sales_vs_plan": "新建商品住房销售规模",
    "new_supply_vs_plan": "新建商品住房供应规模",
    "resales_vs_plan": "存量住房交易规模",
    "small_home_share": "中小户型成交占比",
    "rental_share": "租赁住房占比",
    "new_price_yoy": "新建商品住宅价格同比",
    "resale_price_yoy": "二手住宅价格同比",
    "new_price_mom": "新建商品住宅价格环比",
    "resale_price_mom": "二手住宅价格环比",
    "price_to_income": "房价收入比",
    "months_of_supply": "去化周期",
    "land_to_sales": "土地供应与销售比",
    "supply_to_sales": "新增供应与销售比",
    "assistance_coverage": "住房保障覆盖率",
    "assisted_home_share": "保障性住房占比",
    "presale_supervision": "预售资金监管覆盖率",
    "credit_events": "开发企业与经纪机构失信事件",
    "mortgage_share": "按揭购房占比",
    "investor_share": "多套房购房者占比",
    "listing_spread": "挂牌成交价差",
    "days_on_market": "挂牌成交周期",
    "withdrawal_share": "挂牌撤回占比",
}
