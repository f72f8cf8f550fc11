// Passwords can reach a log line inside free text: a driver's error message that quotes its
// connection string, or a keyword/value conninfo. These patterns hide them wherever they appear.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s/]*@/gi;
const PASSWORD_SETTINGS = /\b(password|passwd|pwd|sslpassword)(\s*[=:]\s*)('[^']*'|"[^"]*"|[^\s&;,'"]+)/gi;

export function scrubSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, "$1:***@").replace(PASSWORD_SETTINGS, "$1$2***");
}
