import type { Workload } from '../../../../services/catalogue.js';
import type { Precheck, PrecheckFacts } from '../../../../services/precheck.js';
import { makeDocx, makeEml, makeMsg, makePdf, makePptx, makeScannedPdf, makeXlsx, renderPng } from './documents.js';

// The corpus: one claim per language, a good proof of execution and one with each defect, spread
// over the file types, with the findings a reviewer would expect. Built in memory by the tests.

export type Language = 'en' | 'es' | 'pt-BR' | 'it' | 'sv';
export type Defect = 'none' | 'no-signature' | 'old-dates' | 'missing-workload' | 'no-partner' | 'other-customer' | 'no-work';
export type Kind = 'pdf' | 'docx' | 'pptx' | 'xlsx' | 'eml' | 'msg' | 'scanned-pdf' | 'png';

export const CLAIM_DATE = '2026-04-01T10:00:00.000Z';

interface Phrases {
  title: string;
  customer: (name: string, domain: string) => string;
  partner: string;
  products: (names: string) => string;
  work: string;
  neutral: string;
  signature: string;
  date: (day: 'recent' | 'old') => string;
  /** The same date as an e-mail's Date header. */
  header: (day: 'recent' | 'old') => string;
  workloads: readonly [Workload, Workload];
  /** How the document names them. */
  names: readonly [string, string];
}

const PARTNER = 'Partner: Northwind Traders AB, PartnerID 1234567';

export const PHRASES: Readonly<Record<Language, Phrases>> = {
  en: {
    title: 'Proof of execution',
    customer: (name, domain) => `Customer: ${name} Ltd (${domain})`,
    partner: PARTNER,
    products: (names) => `Products in scope: ${names}.`,
    work: 'Our project teams deployed and configured the solution for all users, with training for administrators.',
    neutral: 'Our project teams met the customer twice during the quarter.',
    signature: 'Customer signature: Jane Doe, IT Director. Accepted.',
    date: (day) => (day === 'recent' ? 'Date: March 12, 2026' : 'Date: 03/12/2024'),
    header: (day) => (day === 'recent' ? 'Thu, 12 Mar 2026 10:00:00 +0000' : 'Tue, 12 Mar 2024 10:00:00 +0000'),
    workloads: ['Exchange', 'Teams'],
    names: ['Exchange Online', 'Microsoft Teams'],
  },
  es: {
    title: 'Prueba de ejecución',
    customer: (name, domain) => `Cliente: ${name} S.A. (${domain})`,
    partner: 'Socio: Northwind Traders AB, PartnerID 1234567',
    products: (names) => `Productos: ${names}.`,
    work: 'Realizamos la implementación y configuración de la solución para todos los usuarios, con capacitación.',
    neutral: 'El equipo del cliente se reunió con nosotros dos veces durante el trimestre.',
    signature: 'Firma del cliente: María González — Aprobado',
    date: (day) => (day === 'recent' ? 'Fecha: 12/03/2026' : 'Fecha: 12 de marzo de 2024'),
    header: (day) => (day === 'recent' ? 'Thu, 12 Mar 2026 10:00:00 +0100' : 'Tue, 12 Mar 2024 10:00:00 +0100'),
    workloads: ['Dynamics 365 Sales', 'Power BI'],
    names: ['Dynamics 365 Sales', 'Power BI'],
  },
  'pt-BR': {
    title: 'Comprovante de execução',
    customer: (name, domain) => `Cliente: ${name} Ltda (${domain})`,
    partner: 'Parceiro: Northwind Traders AB, PartnerID 1234567',
    products: (names) => `Produtos: ${names}.`,
    work: 'Concluímos a implantação e a configuração da solução, com treinamento dos usuários.',
    neutral: 'A equipe do cliente esteve conosco duas vezes durante o trimestre.',
    signature: 'Assinatura do cliente: João Silva — Aceito',
    date: (day) => (day === 'recent' ? 'Data: 12 de março de 2026' : 'Data: 12/03/2024'),
    header: (day) => (day === 'recent' ? 'Thu, 12 Mar 2026 10:00:00 -0300' : 'Tue, 12 Mar 2024 10:00:00 -0300'),
    workloads: ['Intune', 'Entra ID P1'],
    names: ['Microsoft Intune', 'Azure AD Premium P1'],
  },
  it: {
    title: 'Prova di esecuzione',
    customer: (name, domain) => `Cliente: ${name} S.p.A. (${domain})`,
    partner: 'Partner: Northwind Traders AB, PartnerID 1234567',
    products: (names) => `Prodotti: ${names}.`,
    work: 'Abbiamo completato la migrazione e la configurazione della soluzione, con formazione per gli utenti.',
    neutral: 'Il team del cliente ci ha incontrato due volte nel trimestre.',
    signature: 'Firma del cliente: Giulia Rossi — Approvato',
    date: (day) => (day === 'recent' ? 'Data: 12.03.2026' : 'Data: 12 marzo 2024'),
    header: (day) => (day === 'recent' ? 'Thu, 12 Mar 2026 10:00:00 +0100' : 'Tue, 12 Mar 2024 10:00:00 +0100'),
    workloads: ['Microsoft 365 Apps', 'SharePoint'],
    names: ['Office 365 ProPlus', 'SharePoint Online'],
  },
  sv: {
    title: 'Leveransbevis',
    customer: (name, domain) => `Kund: ${name} AB (${domain})`,
    partner: 'Partner: Northwind Traders AB, PartnerID 1234567',
    products: (names) => `Produkter: ${names}.`,
    work: 'Vi genomförde driftsättning och konfiguration av lösningen samt utbildning för användarna.',
    neutral: 'Kundens team träffade oss två gånger under kvartalet.',
    signature: 'Kundens underskrift: Anna Svensson — Godkänt',
    date: (day) => (day === 'recent' ? 'Datum: 12 mars 2026' : 'Datum: 2024-03-12'),
    header: (day) => (day === 'recent' ? 'Thu, 12 Mar 2026 10:00:00 +0100' : 'Tue, 12 Mar 2024 10:00:00 +0100'),
    workloads: ['Defender', 'Teams'],
    names: ['Microsoft Defender for Endpoint', 'Microsoft Teams'],
  },
};

export const LANGUAGES = Object.keys(PHRASES) as Language[];
export const DEFECTS: readonly Defect[] = ['none', 'no-signature', 'old-dates', 'missing-workload', 'no-partner', 'other-customer', 'no-work'];
const ROTATION: readonly Kind[] = ['pdf', 'docx', 'pptx', 'xlsx', 'eml', 'msg'];

export function factsFor(language: Language): PrecheckFacts {
  return {
    partnerName: 'Northwind Traders AB',
    partnerId: '1234567',
    customerDomain: 'contoso.com',
    customerContact: { name: 'Pat Customer', email: 'pat@contoso.com' },
    workloads: PHRASES[language].workloads,
    claimDate: CLAIM_DATE,
    maxDateAgeMonths: 12,
  };
}

export interface Expected {
  found: Readonly<Record<Precheck, boolean>>;
  missingWorkloads: readonly Workload[];
  tooOld?: boolean;
}

export interface CorpusFile {
  label: string;
  language: Language;
  kind: Kind;
  name: string;
  bytes: Uint8Array;
  facts: PrecheckFacts;
  expected: Expected;
  /** The `where` some evidence must name (an attachment, a sheet). */
  where?: RegExp;
}

export function linesFor(language: Language, defect: Defect): string[] {
  const phrases = PHRASES[language];
  const customer = defect === 'other-customer' ? phrases.customer('Fabrikam', 'fabrikam.com') : phrases.customer('Contoso', 'contoso.com');
  const names = defect === 'missing-workload' ? phrases.names[0] : phrases.names.join(', ');
  return [
    phrases.title,
    customer,
    ...(defect === 'no-partner' ? [] : [phrases.partner]),
    phrases.products(names),
    defect === 'no-work' ? phrases.neutral : phrases.work,
    ...(defect === 'no-signature' ? [] : [phrases.signature]),
    phrases.date(defect === 'old-dates' ? 'old' : 'recent'),
  ];
}

export function expectedFor(language: Language, defect: Defect): Expected {
  return {
    found: {
      'customer-named': defect !== 'other-customer',
      'partner-named': defect !== 'no-partner',
      'products-named': defect !== 'missing-workload',
      'partner-work-described': defect !== 'no-work',
      'customer-acknowledgement': defect !== 'no-signature',
      dates: defect !== 'old-dates',
    },
    missingWorkloads: defect === 'missing-workload' ? [PHRASES[language].workloads[1]] : [],
    tooOld: defect === 'old-dates',
  };
}

const SENDER = 'Project Office <pmo@projects.example.net>';
const RECIPIENT = 'Claims <claims@example.org>';

async function render(kind: Kind, language: Language, lines: readonly string[], defect: Defect): Promise<Uint8Array> {
  const half = Math.ceil(lines.length / 2);
  switch (kind) {
    case 'pdf':
      return makePdf([lines.slice(0, half), lines.slice(half)]);
    case 'docx':
      return makeDocx(lines.slice(0, -1), lines.at(-1));
    case 'pptx':
      return makePptx([lines.slice(0, half), lines.slice(half)]);
    case 'xlsx':
      return makeXlsx({ Summary: lines.slice(0, half).map((line) => [line]), Sign: lines.slice(half).map((line) => line.split(': ')) });
    case 'eml':
      return makeEml({
        from: SENDER,
        to: RECIPIENT,
        date: PHRASES[language].header(defect === 'old-dates' ? 'old' : 'recent'),
        subject: lines[0]!,
        body: lines.slice(1).join('\n'),
      });
    case 'msg':
      return makeMsg({ from: 'pmo@projects.example.net', senderName: 'Project Office', subject: lines[0]!, body: lines.slice(1).join('\r\n') });
    case 'scanned-pdf':
      return makeScannedPdf([lines]);
    case 'png':
      return renderPng(await makePdf([lines], { fontSize: 14 }));
  }
}

const EXTENSION: Readonly<Record<Kind, string>> = {
  pdf: 'pdf',
  docx: 'docx',
  pptx: 'pptx',
  xlsx: 'xlsx',
  eml: 'eml',
  msg: 'msg',
  'scanned-pdf': 'pdf',
  png: 'png',
};

export async function buildCorpus(options: { ocr: boolean }): Promise<CorpusFile[]> {
  const files: CorpusFile[] = [];
  const add = async (language: Language, defect: Defect, kind: Kind) => {
    const label = `${language} ${defect} ${kind}`;
    files.push({
      label,
      language,
      kind,
      name: `${label.replace(/\s+/g, '-')}.${EXTENSION[kind]}`,
      bytes: await render(kind, language, linesFor(language, defect), defect),
      facts: factsFor(language),
      expected: expectedFor(language, defect),
    });
  };
  for (const [index, language] of LANGUAGES.entries()) {
    for (const [step, defect] of DEFECTS.entries()) await add(language, defect, ROTATION[(index + step) % ROTATION.length]!);
  }
  // An e-mail from the customer's own domain is its acknowledgement, without a signature line.
  files.push({
    label: 'en acknowledged-by-e-mail eml',
    language: 'en',
    kind: 'eml',
    name: 'en-acknowledged-by-e-mail.eml',
    bytes: makeEml({
      from: 'Jane Doe <jane.doe@contoso.com>',
      to: 'Northwind Traders AB <pmo@northwind.example>',
      date: PHRASES.en.header('recent'),
      subject: 'Exchange Online and Microsoft Teams',
      body: 'Hello Northwind Traders,\nthank you: the Exchange Online and Microsoft Teams rollout for Contoso is complete.\nJane',
    }),
    facts: factsFor('en'),
    expected: expectedFor('en', 'none'),
  });
  // The proof attached to a short cover e-mail: the attachment's pages are read, and named.
  files.push({
    label: 'es attachment eml',
    language: 'es',
    kind: 'eml',
    name: 'es-attachment.eml',
    bytes: makeEml({
      from: SENDER,
      to: RECIPIENT,
      date: PHRASES.es.header('recent'),
      subject: 'Documentación',
      body: 'Adjuntamos el documento.',
      attachments: [{ name: 'acta.pdf', contentType: 'application/pdf', bytes: await makePdf([linesFor('es', 'none')]) }],
    }),
    facts: factsFor('es'),
    expected: expectedFor('es', 'none'),
    where: /^attachment acta\.pdf, page 1$/,
  });
  if (options.ocr) {
    await add('pt-BR', 'none', 'scanned-pdf');
    await add('it', 'none', 'png');
    await add('sv', 'no-signature', 'scanned-pdf');
  }
  return files;
}
