"""A tiny arithmetic expression evaluator (recursive descent).

Grammar:
    expression := term (("+" | "-") expression)?
    term       := factor (("*" | "/") term)?
    factor     := NUMBER | "(" expression ")" | "-" factor
"""
import re

TOKEN_RE = re.compile(r"\s*(?:(\d+)|(.))")


def tokenize(text):
    tokens = []
    for number, op in TOKEN_RE.findall(text):
        if number:
            tokens.append(int(number))
        elif op.strip():
            tokens.append(op)
    return tokens


class Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def advance(self):
        token = self.peek()
        self.pos += 1
        return token

    def expression(self):
        left = self.term()
        if self.peek() in ("+", "-"):
            op = self.advance()
            right = self.expression()
            return left + right if op == "+" else left - right
        return left

    def term(self):
        left = self.factor()
        if self.peek() in ("*", "/"):
            op = self.advance()
            right = self.term()
            return left * right if op == "*" else left / right
        return left

    def factor(self):
        token = self.advance()
        if token == "(":
            value = self.expression()
            if self.advance() != ")":
                raise ValueError("expected ')'")
            return value
        if token == "-":
            return -self.factor()
        if isinstance(token, int):
            return token
        raise ValueError(f"unexpected token: {token!r}")


def evaluate(text):
    """Evaluate an arithmetic expression such as "2 * (3 + 4)"."""
    parser = Parser(tokenize(text))
    value = parser.expression()
    if parser.peek() is not None:
        raise ValueError(f"unexpected trailing input: {parser.peek()!r}")
    return value
