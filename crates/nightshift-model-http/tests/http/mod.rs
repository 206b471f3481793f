mod fake;
mod ollama;
mod openai;
