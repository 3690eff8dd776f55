/**
 * Passwords of 8+ characters that top every published breach frequency list (lower-cased). Refused at
 * registration, because an attacker tries them first.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  "12345678", "123456789", "1234567890", "12345678910", "123123123", "11111111", "00000000", "88888888",
  "87654321", "987654321", "11223344", "12344321", "123321123", "147258369", "1q2w3e4r", "1q2w3e4r5t",
  "1q2w3e4r5t6y", "1qaz2wsx", "1qaz2wsx3edc", "zaq12wsx", "qwertyui", "qwertyuiop", "qwerty123", "qwerty12",
  "qwerty1234", "asdfghjkl", "asdfasdf", "zxcvbnm1", "password", "password1", "password12", "password123",
  "password!", "passw0rd", "p@ssw0rd", "p@ssword", "pa$$word", "iloveyou", "iloveyou1", "sunshine",
  "princess", "football", "baseball", "superman", "batman123", "trustno1", "welcome1", "welcome123",
  "letmein1", "letmein123", "master123", "whatever", "starwars", "computer", "michelle", "jennifer",
  "1234qwer", "qwer1234", "abcd1234", "abc12345", "abcdefgh", "aa123456", "a1234567", "a12345678",
  "admin123", "administrator", "changeme", "default1", "secret123", "access14", "mustang1", "shadow12",
  "monkey12", "dragon12", "liverpool", "chelsea1", "arsenal1", "charlie1", "jordan23", "michael1",
  "1234567a", "12345qwert", "q1w2e3r4", "q1w2e3r4t5", "q1w2e3r4t5y6", "passpass", "testtest", "test1234",
  "internet", "samsung1", "pokemon1", "minecraft", "qazwsxedc", "qweasdzxc", "zxcvbnm123", "11111111a",
  "football1", "baseball1", "princess1", "sunshine1", "superman1", "hello123", "hellohello", "loveyou1",
]);
