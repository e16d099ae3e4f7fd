"""The graders: one module per answer form (math, choice, bbeh, arc, instructions, code_*), each registering
its grader(s) with `xrouter.graders.base.register_grader` when imported."""
