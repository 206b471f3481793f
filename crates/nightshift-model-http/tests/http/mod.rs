mod anthropic;
mod fake;
mod llama_server;
mod ollama;
mod openai;
mod router;
