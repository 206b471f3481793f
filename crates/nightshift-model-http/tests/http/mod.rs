mod anthropic;
mod fake;
mod ollama;
mod openai;
mod router;
