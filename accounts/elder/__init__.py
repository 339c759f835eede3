"""长辈模式 (elder mode): remembered per user, offered once to residents over 60."""
