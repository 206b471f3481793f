mod fake;
mod ollama;
mod openai;
mod router;
