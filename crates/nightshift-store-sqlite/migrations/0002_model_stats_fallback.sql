-- Which backends the router gave up on before the one that made this call.
ALTER TABLE model_stats ADD COLUMN fallback_from TEXT;
