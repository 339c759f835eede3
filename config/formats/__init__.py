"""Our date formats per language (settings.FORMAT_MODULE_PATH), where Django's own read badly."""
