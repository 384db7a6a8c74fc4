"""Demo accounts: shown in the README and on the login page in demo mode only."""

DEMO_PASSWORD = "demo-2026"
DEMO_ACCOUNTS = [
    ("btc", "Ban Tổ chức tỉnh"),
    ("btc-xa", "Ban Tổ chức cấp xã/huyện"),
    ("truong", "Đơn vị dự thi (trường)"),
    ("giamkhao", "Giám khảo"),
    ("trongtai", "Trọng tài"),
    ("tongtrongtai", "Tổng trọng tài"),
]
