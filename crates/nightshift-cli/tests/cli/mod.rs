mod bad_input;
mod crash;
mod end_to_end;
mod helpers;
mod lifecycle;
mod models;
mod queue;
mod repair;
