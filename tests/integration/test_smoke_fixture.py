import httpx

from anju.core.scope import SYSTEM
from anju.registry import reads


def test_city_fixture_holds_a_register(city_engine):
    with city_engine.connect() as c:
        s = reads.stats(c, scope=SYSTEM)
    assert s["estates"] > 5 and s["homes"] > s["buildings"] > s["estates"]


def test_live_server_serves_the_home_page(live_server):
    anonymous = httpx.get(live_server.base_url + "/")
    assert anonymous.status_code == 200 and "城市住房服务" in anonymous.text and 'href="/login"' in anonymous.text
    assert httpx.get(live_server.base_url + "/registry").headers["location"].startswith("/login")
    with live_server.client("city") as c:
        r = c.get("/registry")
        bench = c.get("/")
    assert r.status_code == 200 and "全市楼盘表" in r.text
    assert bench.status_code == 200 and "工作台" in bench.text
