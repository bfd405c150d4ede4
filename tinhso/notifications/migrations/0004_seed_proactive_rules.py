"""The proactive rules every deployment starts with (an administrator switches each on or off and edits its
lead time and message)."""

from django.db import migrations

RULES = [
    {
        "code": "identity-card-age",
        "kind": "age_milestone",
        "name": "Cấp đổi thẻ căn cước khi đến tuổi",
        "message": "Ngày %(date)s bạn đến tuổi phải cấp đổi thẻ căn cước. Mời bạn làm thủ tục cấp đổi.",
        "message_en": "On %(date)s you reach an age at which your identity card must be renewed. Please apply.",
        "legal_basis": "Luật Căn cước số 26/2023/QH15, Điều 21 khoản 1: cấp đổi thẻ khi đủ 14, 25, 40 và 60 tuổi",
        "procedure_code": "",
        "link": "https://dichvucong.bocongan.gov.vn/",
        "params": {"ages": [14, 25, 40, 60]},
        "lead_days": 30,
    },
    {
        "code": "newborn-health-insurance",
        "kind": "after_result",
        "name": "Thẻ bảo hiểm y tế cho trẻ vừa đăng ký khai sinh",
        "message": "Con bạn vừa được đăng ký khai sinh và được cấp thẻ bảo hiểm y tế miễn phí. "
        "Mời đăng ký trước ngày %(date)s.",
        "message_en": "Your child's birth was registered; a free health insurance card is due. "
        "Please apply before %(date)s.",
        "legal_basis": "Luật Bảo hiểm y tế (sửa đổi năm 2024), Điều 12: trẻ em dưới 6 tuổi do ngân sách nhà nước đóng",
        "procedure_code": "H12-BHYT-01",
        "link": "",
        "params": {"after": ["1.001193", "1.000689"], "within_days": 60},
        "lead_days": 0,
    },
    {
        "code": "newborn-permanent-residence",
        "kind": "after_result",
        "name": "Đăng ký thường trú cho trẻ vừa đăng ký khai sinh",
        "message": "Con bạn vừa được đăng ký khai sinh. Mời đăng ký thường trú cho trẻ trước ngày %(date)s.",
        "message_en": "Your child's birth was registered. Please register the child's permanent residence "
        "before %(date)s.",
        "legal_basis": "Luật Cư trú số 68/2020/QH14, Điều 12 và Điều 20: nơi thường trú của trẻ em",
        "procedure_code": "1.004222",
        "link": "",
        "params": {"after": ["1.001193"], "within_days": 60},
        "lead_days": 0,
    },
    {
        "code": "building-permit-expiry",
        "kind": "before_expiry",
        "name": "Gia hạn giấy phép xây dựng sắp hết hiệu lực khởi công",
        "message": "Giấy phép xây dựng của bạn hết hiệu lực khởi công ngày %(date)s. Nếu chưa khởi công, "
        "mời đề nghị gia hạn trước ngày đó.",
        "message_en": "Your building permit lapses on %(date)s unless work has started. If it has not, please "
        "apply for an extension before then.",
        "legal_basis": "Luật Xây dựng số 50/2014/QH13, sửa đổi bởi Luật số 62/2020/QH14, Điều 99: gia hạn "
        "trước khi giấy phép hết hiệu lực khởi công (12 tháng), mỗi lần 12 tháng, tối đa 2 lần",
        "procedure_code": "1.013227",
        "link": "",
        "params": {"after": ["H12-XD-01"], "valid_months": 12},
        "lead_days": 30,
    },
]


def seed(apps, schema_editor):
    ProactiveRule = apps.get_model("notifications", "ProactiveRule")
    for rule in RULES:
        ProactiveRule.objects.update_or_create(code=rule["code"], defaults=rule)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_proactive_rules")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
