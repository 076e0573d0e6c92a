import type { PiiKind } from './pii-patterns';

/**
 * Which JSON keys name personal identifiers, and what `scrubJson` does with their values.
 *
 * A key is normalised (NFKC, lower case, accents dropped from Latin letters: `Teléfono` -> `telefono`)
 * and split into words (camelCase, snake_case, kebab-case, dots, spaces are all equivalent); its last
 * one, two or three words are joined and looked up below, longest first. So `customerEmail`,
 * `billing_phone_number`, `Shipping-Street-Address` and `numero_de_telefono` match, while
 * `email_verified`, `phone_model`, `microphone`, `hotel` and `product_name` do not. Keys in scripts that
 * do not separate words (Chinese, Japanese) match when their last word ENDS with a listed key:
 * `用户手机号` and `收货地址` match, `手机型号` (phone model) does not.
 *
 * HASHED — stable identifiers a site may legitimately link sessions by; replaced by
 * `hashIdentifier(normalised value)`:
 *   email:   email, e_mail, emails, email_address, mail; correo, correo_electronico, courriel,
 *            emailadresse; 邮箱, 电子邮箱, 电子邮件, 邮件地址, 邮箱地址; メール, メールアドレス; 이메일, 이메일주소;
 *            почта, электронная_почта
 *   phone:   phone, phones, phone_number, phone_no, mobile, mobile_number, mobile_no, tel, telephone,
 *            telephone_number, cellphone, cell, cell_number, msisdn; telefono, telefone, telefon,
 *            telefonnummer, handynummer, movil, celular, cellulare; 手机, 手机号, 手机号码, 电话, 电话号码,
 *            联系电话, 联系方式, 座机; 電話, 電話番号, 携帯, 携帯番号; 전화, 전화번호, 휴대폰; телефон
 *   opaque:  member_id, member_no, member_number, device_id
 *   ad id:   idfa, idfv, gaid, aaid, advertising_id, android_id (UUID/hex, so lower-cased before hashing)
 *   E-mail keys are hashed only when the value contains `@` (or `%40`), phone keys only when it has 7+
 *   digits; otherwise the value is ordinary text (e.g. `is_mobile: "yes"`) and is only scrubbed. Values
 *   are NFKC-normalised first, so `１３８…` and `138…` hash alike.
 *
 * REDACTED — no analytics use justifies keeping even a pseudonym; replaced by '[redacted]':
 *   ip:        ip, ip_address, ipv4, ipv6, client_ip, remote_ip, user_ip, forwarded_for; ip地址
 *   card:      card_number, card_no, credit_card, credit_card_number, cc_number, cvv, cvv2, cvc; 卡号,
 *              银行卡号, 信用卡号
 *   gov. ids:  id_card, id_card_number, id_number, id_no, national_id, national_id_number, ssn,
 *              social_security_number, passport, passport_number, passport_no, drivers_license,
 *              driver_license, drivers_license_number, dni, cpf; 身份证, 身份证号, 身份证号码, 证件号,
 *              证件号码, 护照, 护照号, 护照号码. Government IDs are low-entropy and never needed for linking
 *              (member/device ids serve that), so they are not hashed.
 *   address:   address (any *_address not listed above, e.g. street_address, mac_address), street,
 *              address_line, address_line1..3; adresse, anschrift, strasse, straße, direccion,
 *              endereco, indirizzo; 地址, 住址 (so any *地址 not listed above); 住所; 주소; адрес
 *   names:     full_name, first_name, last_name, middle_name, surname, given_name, family_name,
 *              real_name, legal_name, customer_name, contact_name, recipient_name, billing_name,
 *              shipping_name, cardholder, cardholder_name, username, nickname; vorname, nachname,
 *              prenom, apellido, apellidos, nombre_completo; 姓名 (so 真实姓名 etc.), 用户名, 昵称,
 *              收货人, 联系人; 氏名; 성명
 *   birthday:  birthday, birthdate, birth_date, date_of_birth, dob, geburtsdatum, fecha_de_nacimiento,
 *              date_de_naissance; 生日, 出生日期; 生年月日; 생년월일
 *   A bare `name` is NOT redacted in event properties: it names products, events, pages and plans far
 *   more often than people; its value still goes through `scrubText`. In identify traits (`personTraits`)
 *   it names the person, so there a top-level key that is exactly `name`, `display_name`, `nombre`, `nom`,
 *   `名前`, `名字`, `이름` or `имя` is redacted too (`company_name` is not).
 */

export type IdentifierNormalisation = 'email' | 'phone' | 'opaque' | 'lowercase';

export type KeyTreatment =
  | { action: 'hash'; normalise: IdentifierNormalisation }
  | { action: 'redact'; kind: PiiKind | null };

const hash = (normalise: IdentifierNormalisation): KeyTreatment => ({ action: 'hash', normalise });
const redact = (kind: PiiKind | null): KeyTreatment => ({ action: 'redact', kind });

function phrases(words: readonly string[], treatment: KeyTreatment): [string, KeyTreatment][] {
  return words.map((word) => [word, treatment]);
}

const KEY_TREATMENTS: ReadonlyMap<string, KeyTreatment> = new Map([
  ...phrases(
    [
      'email', 'emails', 'emailaddress', 'mail', 'correo', 'correoelectronico', 'courriel', 'emailadresse', '邮箱',
      '电子邮箱', '电子邮件', '邮件地址', '邮箱地址', 'メール', 'メールアドレス', '이메일', '이메일주소', 'почта',
      'электроннаяпочта',
    ],
    hash('email'),
  ),
  ...phrases(
    [
      'phone', 'phones', 'phonenumber', 'phoneno', 'mobile', 'mobilenumber', 'mobileno', 'tel', 'telephone',
      'telephonenumber', 'cellphone', 'cell', 'cellnumber', 'msisdn', 'telefono', 'telefone', 'telefon',
      'telefonnummer', 'handynummer', 'movil', 'celular', 'cellulare', '手机', '手机号', '手机号码', '电话',
      '电话号码', '联系电话', '联系方式', '座机', '電話', '電話番号', '携帯', '携帯番号', '전화', '전화번호', '휴대폰',
      'телефон',
    ],
    hash('phone'),
  ),
  ...phrases(['memberid', 'memberno', 'membernumber', 'deviceid'], hash('opaque')),
  ...phrases(['idfa', 'idfv', 'gaid', 'aaid', 'advertisingid', 'androidid'], hash('lowercase')),
  ...phrases(
    ['ip', 'ipaddress', 'ipv4', 'ipv6', 'clientip', 'remoteip', 'userip', 'forwardedfor', 'ip地址'],
    redact('ip'),
  ),
  ...phrases(
    ['cardnumber', 'cardno', 'creditcard', 'creditcardnumber', 'ccnumber', 'cvv', 'cvv2', 'cvc', '卡号', '银行卡号', '信用卡号'],
    redact('card'),
  ),
  ...phrases(
    [
      'idcard', 'idcardnumber', 'idnumber', 'idno', 'nationalid', 'nationalidnumber', 'ssn', 'socialsecuritynumber',
      'passport', 'passportnumber', 'passportno', 'driverslicense', 'driverlicense', 'driverslicensenumber', 'dni',
      'cpf', '身份证', '身份证号', '身份证号码', '证件号', '证件号码', '护照', '护照号', '护照号码',
    ],
    redact(null),
  ),
  ...phrases(
    [
      'address', 'street', 'addressline', 'addressline1', 'addressline2', 'addressline3', 'adresse', 'anschrift',
      'strasse', 'straße', 'direccion', 'endereco', 'indirizzo', '地址', '住址', '住所', '주소', 'адрес',
    ],
    redact(null),
  ),
  ...phrases(
    [
      'fullname', 'firstname', 'lastname', 'middlename', 'surname', 'givenname', 'familyname', 'realname',
      'legalname', 'customername', 'contactname', 'recipientname', 'billingname', 'shippingname', 'cardholder',
      'cardholdername', 'username', 'nickname', 'vorname', 'nachname', 'prenom', 'apellido', 'apellidos',
      'nombrecompleto', '姓名', '用户名', '昵称', '收货人', '联系人', '氏名', '성명',
    ],
    redact(null),
  ),
  ...phrases(
    [
      'birthday', 'birthdate', 'dateofbirth', 'dob', 'geburtsdatum', 'fechadenacimiento', 'datedenaissance', '生日',
      '出生日期', '生年月日', '생년월일',
    ],
    redact(null),
  ),
]);

/** Top-level identify traits that name the person there but mostly name things in event properties. */
const PERSON_TRAIT_TREATMENTS: ReadonlyMap<string, KeyTreatment> = new Map(
  phrases(['name', 'displayname', 'nombre', 'nom', '名前', '名字', '이름', 'имя'], redact(null)),
);

// Keys in these scripts are one "word" however many words they hold, so they match by suffix.
const UNSPACED_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const SUFFIX_KEYS = [...KEY_TREATMENTS.keys()]
  .filter((key) => UNSPACED_SCRIPT.test(key))
  .sort((a, b) => b.length - a.length);

const MAX_PHRASE_WORDS = 3;

export function keyWords(key: string): string[] {
  return key
    .normalize('NFKC')
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, '$1 $2')
    .toLowerCase()
    .normalize('NFD')
    // Accents go from Latin letters only: a Japanese voiced mark (゙) changes the word.
    .replace(/(\p{Script=Latin})\p{M}+/gu, '$1')
    .normalize('NFC')
    .split(/[^\p{L}\p{N}\p{M}]+/u)
    .filter((word) => word !== '');
}

export interface ClassifyKeyOptions {
  /** The key is a top-level trait of an identify call, where `name` is the person's. */
  personTrait?: boolean;
}

/** How a value under `key` must be treated, or null when the key names nothing personal. */
export function classifyKey(key: string, options: ClassifyKeyOptions = {}): KeyTreatment | null {
  const words = keyWords(key);
  // The whole key, so `company_name` among the traits stays the company's.
  const personTrait = options.personTrait ? PERSON_TRAIT_TREATMENTS.get(words.join('')) : undefined;
  if (personTrait !== undefined) return personTrait;
  for (let take = Math.min(MAX_PHRASE_WORDS, words.length); take >= 1; take--) {
    const treatment = KEY_TREATMENTS.get(words.slice(-take).join(''));
    if (treatment !== undefined) return treatment;
  }
  const last = words.at(-1);
  if (last !== undefined && UNSPACED_SCRIPT.test(last)) {
    const suffix = SUFFIX_KEYS.find((candidate) => last.endsWith(candidate));
    if (suffix !== undefined) return KEY_TREATMENTS.get(suffix)!;
  }
  return null;
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

/** Lower-cased, trimmed e-mail, or null when the value is not an e-mail address at all. */
export function normaliseEmail(value: string): string | null {
  const email = value.normalize('NFKC').trim().replace(/%40/g, '@').toLowerCase();
  return EMAIL_SHAPE.test(email) ? email : null;
}

/** How identifiers are normalised beyond their kind's rule. */
export interface IdentifierOptions {
  /**
   * The site's country calling code (digits, e.g. "86"): a phone number written without `+` is a national number of
   * that country. A leading `00` is the international prefix (`0086 138…` is `+86138…`), else one leading trunk `0`
   * is dropped (`07700 900123` with "44" is `+447700900123`), and the code is put in front. Unset: the digits as
   * written, so a number only meets itself written the same way (with or without its country code).
   */
  phoneCountryCode?: string | undefined;
}

/** A country calling code: 1 to 4 digits, not starting with 0. */
export const PHONE_COUNTRY_CODE = /^[1-9][0-9]{0,3}$/;

/**
 * Digits only, with a leading `+` kept (or added from `phoneCountryCode`, see IdentifierOptions); null when fewer than
 * 7 digits (not a phone number).
 */
export function normalisePhone(value: string, options: IdentifierOptions = {}): string | null {
  const trimmed = value.normalize('NFKC').trim();
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < 7) return null;
  if (trimmed.startsWith('+')) return `+${digits}`;
  const code = options.phoneCountryCode;
  if (code === undefined || !PHONE_COUNTRY_CODE.test(code)) return digits;
  if (digits.startsWith('00')) return digits.length - 2 >= 7 ? `+${digits.slice(2)}` : null;
  return `+${code}${digits.startsWith('0') ? digits.slice(1) : digits}`;
}

export function normaliseIdentifier(value: string, normalise: IdentifierNormalisation, options: IdentifierOptions = {}): string | null {
  switch (normalise) {
    case 'email':
      return normaliseEmail(value);
    case 'phone':
      return normalisePhone(value, options);
    case 'opaque':
      return value.trim() === '' ? null : value.trim();
    case 'lowercase':
      return value.trim() === '' ? null : value.trim().toLowerCase();
  }
}
