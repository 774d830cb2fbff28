<?php
// This file is part of local_lemma, the companion plugin of lemma-pkg.
//
// local_lemma is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// local_lemma is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with local_lemma.  If not, see <https://www.gnu.org/licenses/>.

/**
 * English strings for local_lemma.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['coursedeletedagain'] = 'The new course has been deleted again.';
$string['errorinterrupted'] = 'The restore was interrupted (its process ended before it finished).';
$string['errornodraftfile'] = 'No file {$a} in the draft area: upload it with webservice/upload.php first.';
$string['errornotabackup'] = 'The file {$a} cannot be unpacked as a Moodle backup.';
$string['errornotcoursebackup'] = 'This is a backup of type "{$a}", not a course backup.';
$string['errornotmoodle2'] = 'This is not a Moodle 2 course backup (moodle_backup.xml is missing or of another format).';
$string['errorrestorerunning'] = 'A restore into this course has not finished yet.';
$string['errortaskdied'] = 'The cron process that ran this restore (pid {$a}) has ended without finishing it.';
$string['errortaskgone'] = 'The adhoc task of this restore is gone before the restore finished.';
$string['giftnotread'] = 'The GIFT text of question {$a->idnumber} could not be read: {$a->problem}';
$string['lemma:exportlearnerdata'] = 'Export the learner data of a course in bulk (lemma report)';
$string['pluginname'] = 'lemma companion';
$string['privacy:metadata'] = 'The lemma companion plugin stores no personal data. It restores course backups, updates courses in place (keeping fingerprints of the course content it applied), maps course modules and reads course data for the lemma command-line tool through web services.';
$string['quizhasattempts'] = 'The questions of quiz "{$a->name}" cannot be added, removed, reordered or re-marked: it has {$a->attempts} attempts. Nothing was changed. Keep its question list as it is, or force the change (lemma deploy --update --force-quiz-structure), which recomputes every learner\'s grade on the quiz from their attempt marks.';
$string['restoremissing'] = 'After the restore, the course has no module with idnumber {$a}.';
$string['restorenofile'] = 'Draft area {$a} must hold exactly one course backup (.mbz).';
$string['restoreprecheck'] = 'Moodle refused to restore the backup: {$a}';
