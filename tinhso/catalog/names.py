"""English names of the usual internal process steps, by their Vietnamese name (the demo loader and a
migration use them)."""

STEP_NAMES_EN = {
    "Tiếp nhận, kiểm tra hồ sơ": "Receive and check the dossier",
    "Thẩm định hồ sơ, dự thảo kết quả": "Appraise the dossier, draft the result",
    "Lãnh đạo xem xét, ký kết quả": "Leader reviews and signs the result",
    "Trả kết quả": "Return the result",
}
